"""Turn dataset rows into model inputs for each student kind.

Padding is left to the data collator (dynamic padding) unless ``pad_to_max`` asks for the static
padding of a plain setup (used as the benchmark anchor).
"""

from __future__ import annotations

from collections.abc import Sequence

from synthlib.students.losses import IGNORE_INDEX
from synthlib.tokens import bos_ids


def encode(student, dataset, inputs: Sequence[str], target: str | None, max_length: int = 128,
           max_target_length: int = 64, pad_to_max: bool = False):
    """Tokenize ``dataset`` for ``student``: ``inputs`` are text columns, ``target`` the label/output column."""
    _check_columns(dataset, inputs, target)
    padding = "max_length" if pad_to_max else False
    tokenizer = student.tokenizer

    def classifier(batch):
        texts = [batch[c] for c in inputs]
        encoded = tokenizer(*texts, truncation=True, max_length=max_length, padding=padding)
        if target:
            encoded["labels"] = batch[target]
        return encoded

    def seq2seq(batch):
        encoded = tokenizer(batch[inputs[0]], truncation=True, max_length=max_length, padding=padding,
                            return_token_type_ids=False)
        if target:
            targets = tokenizer(text_target=batch[target], truncation=True, max_length=max_target_length,
                                padding=padding)
            encoded["labels"] = [[t if t != tokenizer.pad_token_id else IGNORE_INDEX for t in ids]
                                 for ids in targets["input_ids"]]
        return encoded

    def causal(batch):
        return _encode_causal(tokenizer, batch[inputs[0]], batch[target] if target else None, max_length, pad_to_max)

    fn = {"classifier": classifier, "seq2seq": seq2seq, "causal": causal}[student.kind]
    return dataset.map(fn, batched=True, remove_columns=dataset.column_names, desc="tokenizing")


def _encode_causal(tokenizer, prompts, targets, max_length, pad_to_max):
    # the loss covers the target tokens only: prompt positions get IGNORE_INDEX labels
    rows = {"input_ids": [], "attention_mask": [], "labels": []}
    bos = bos_ids(tokenizer)  # Gemma needs its <bos>, as at inference
    room = max_length - len(bos)
    for i, prompt in enumerate(prompts):
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        target_ids = [] if targets is None else tokenizer(" " + targets[i], add_special_tokens=False)["input_ids"]
        target_ids = target_ids + ([tokenizer.eos_token_id] if tokenizer.eos_token_id is not None and targets else [])
        ids = bos + (prompt_ids + target_ids)[-room:]  # keep the end: the target matters most
        labels = [IGNORE_INDEX] * len(bos) + ([IGNORE_INDEX] * len(prompt_ids) + target_ids)[-room:]
        mask = [1] * len(ids)
        if pad_to_max:
            pad = max_length - len(ids)
            ids, labels, mask = ids + [tokenizer.pad_token_id] * pad, labels + [IGNORE_INDEX] * pad, mask + [0] * pad
        rows["input_ids"].append(ids)
        rows["attention_mask"].append(mask)
        rows["labels"].append(labels)
    return rows


def _check_columns(dataset, inputs: Sequence[str], target: str | None) -> None:
    missing = [c for c in (*inputs, *([target] if target else [])) if c not in dataset.column_names]
    if missing:
        raise KeyError(f"columns {missing} are not in the dataset (it has {dataset.column_names}); "
                       "pass inputs=/target= naming existing columns")


def collator(student, pad_to_multiple_of: int | None = None):
    """Dynamic-padding collator for the student's kind."""
    from transformers import DataCollatorForSeq2Seq, DataCollatorWithPadding

    if student.kind == "classifier":
        return DataCollatorWithPadding(student.tokenizer, pad_to_multiple_of=pad_to_multiple_of)
    return DataCollatorForSeq2Seq(student.tokenizer, model=None, label_pad_token_id=IGNORE_INDEX,
                                  pad_to_multiple_of=pad_to_multiple_of)
