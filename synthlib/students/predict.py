"""Predictions from a trained student: class logits (for accuracy and energy) and generated text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Predictions:
    """Class predictions with their logits, in the dataset's row order."""

    logits: Any  # numpy [N, classes]
    predictions: Any  # numpy [N]


def predict_classes(student, dataset, inputs: Sequence[str] = ("text",), batch_size: int = 64,
                    max_length: int = 128) -> Predictions:
    """Run a classifier student over ``dataset``; rows are length-sorted for speed, order restored."""
    import numpy as np
    import torch

    from synthlib.students.encoding import collator, encode

    encoded = encode(student, dataset, inputs, None, max_length)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    order = np.argsort(-lengths, kind="stable")
    collate = collator(student)
    model = student.model.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            rows = [encoded[int(i)] for i in order[start:start + batch_size]]
            batch = {k: v.to(model.device) for k, v in collate(rows).items()}
            chunks.append(model(**batch).logits.float().cpu().numpy())
    logits = np.empty((len(order), chunks[0].shape[1]), dtype=np.float32) if chunks else np.zeros((0, 0))
    if chunks:
        logits[order] = np.concatenate(chunks)
    return Predictions(logits=logits, predictions=logits.argmax(axis=1) if len(logits) else np.zeros(0, int))


def generate_texts(student, sources: Sequence[str], max_new_tokens: int = 64, batch_size: int = 16,
                   max_length: int = 512, with_energy: bool = False):
    """Greedy generation from a seq2seq or causal student.

    Returns the texts, and with ``with_energy`` also each output's energy: the mean over generated
    tokens of -logsumexp over the vocabulary logits (GOLD's seq2seq energy).
    """
    import torch

    from synthlib.metrics.energy import sequence_energy

    tokenizer, model = student.tokenizer, student.model.eval()
    if student.kind == "classifier":
        raise ValueError("generate_texts needs a seq2seq or causal student")
    side, tokenizer.padding_side = tokenizer.padding_side, "left" if student.kind == "causal" else "right"
    texts, energies = [], []
    try:
        with torch.no_grad():
            for start in range(0, len(sources), batch_size):
                batch = tokenizer(list(sources[start:start + batch_size]), return_tensors="pt", padding=True,
                                  truncation=True, max_length=max_length, return_token_type_ids=False).to(model.device)
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                     output_logits=with_energy, return_dict_in_generate=True,
                                     pad_token_id=tokenizer.pad_token_id)
                new = out.sequences if student.kind == "seq2seq" else out.sequences[:, batch["input_ids"].shape[1]:]
                texts += tokenizer.batch_decode(new, skip_special_tokens=True)
                if with_energy:
                    energies += _energies(out, new, tokenizer, student.kind, sequence_energy).tolist()
    finally:
        tokenizer.padding_side = side
    return (texts, energies) if with_energy else texts


def _energies(out, new_tokens, tokenizer, kind, sequence_energy):
    import torch

    scores = torch.stack(out.logits, dim=1)  # [N, steps, vocab] raw (unprocessed) logits per generated step
    generated = new_tokens[:, 1:] if kind == "seq2seq" else new_tokens  # seq2seq starts with the decoder start
    generated = generated[:, : scores.shape[1]]
    mask = (generated != tokenizer.pad_token_id).float()
    mask[:, 0] = 1.0  # the first step always counts, even when it produced padding-equal ids
    return sequence_energy(scores, mask)


def choice_logprobs(student, prompts: Sequence[str], choices: Sequence[str], batch_size: int = 16,
                    max_length: int = 512):
    """Log-probability a causal student gives each of ``choices`` after each prompt: [N, len(choices)].

    Each choice is tokenized as training encodes a target (``" " + choice`` after the prompt), and
    its token log-probabilities are summed, so that a yes/no answer is read without generating.
    """
    import numpy as np
    import torch

    if student.kind != "causal":
        raise ValueError("choice_logprobs needs a causal student")
    from synthlib.tokens import bos_ids

    tokenizer, model = student.tokenizer, student.model.eval()
    bos = bos_ids(tokenizer)  # as training encodes rows (Gemma's <bos>)
    choice_ids = [tokenizer(" " + c, add_special_tokens=False)["input_ids"] for c in choices]
    rows = [(i, j, bos + tokenizer(p, add_special_tokens=False)["input_ids"], ids)
            for i, p in enumerate(prompts) for j, ids in enumerate(choice_ids)]
    scores = np.zeros((len(prompts), len(choices)), dtype=np.float64)
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start:start + batch_size]
            sequences = [(prompt + ids)[-max_length:] for _, _, prompt, ids in chunk]  # keep the choice
            width = max(len(s) for s in sequences)
            pad = tokenizer.pad_token_id or 0
            input_ids = torch.tensor([s + [pad] * (width - len(s)) for s in sequences], device=model.device)
            mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences], device=model.device)
            logprobs = torch.log_softmax(model(input_ids=input_ids, attention_mask=mask).logits.float(), dim=-1)
            for row, (i, j, _, ids) in enumerate(chunk):
                end = len(sequences[row])
                positions = range(end - len(ids), end)  # the choice's tokens, each predicted one step earlier
                scores[i, j] = sum(float(logprobs[row, p - 1, sequences[row][p]]) for p in positions)
    return scores
