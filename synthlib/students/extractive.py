"""Extractive QA students: an encoder (MiniLM, like the DistilBERT of the S3 paper) points at the
answer's start and end token in the context.

Rows are ``{"question", "context", "answer"}``. Training marks the first case-insensitive occurrence
of the answer in the context (an answer cut off by ``max_length`` points at ``[CLS]``, SQuAD's "no
answer in this window"); prediction takes the best-scoring span of at most ``max_answer_tokens``
tokens inside the context and returns its characters. The HF Trainer does the optimisation with the
model's own start/end cross-entropy.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from typing import Any

from synthlib.students.loading import Student, load_student
from synthlib.students.training import TrainSettings


def load_extractive(reference: str, seed: int = 0) -> Student:
    """An encoder with a fresh span head (``minilm``, ``tiny-random-bert``, a hub id or path)."""
    return load_student(reference, "extractive", seed=seed)


def span_features(tokenizer, questions: Sequence[str], contexts: Sequence[str],
                  answers: Sequence[str] | None = None, max_length: int = 256) -> dict[str, Any]:
    """Token ids of (question, context) pairs, with ``start_positions``/``end_positions`` when ``answers`` are given."""
    encoded = tokenizer(list(questions), list(contexts), truncation="only_second", max_length=max_length,
                        padding="max_length", return_offsets_mapping=True)
    if answers is None:
        return encoded
    starts, ends = [], []
    for row, (context, answer) in enumerate(zip(contexts, answers, strict=True)):
        begin = context.lower().find(answer.lower().strip()) if answer.strip() else -1
        start = end = 0  # [CLS]: the answer is not inside this window
        if begin >= 0:
            stop = begin + len(answer.strip())
            sequence = encoded.sequence_ids(row)
            for token, (a, b) in enumerate(encoded["offset_mapping"][row]):
                if sequence[token] != 1:
                    continue
                if start == 0 and a <= begin < b:
                    start = token
                if a < stop <= b:
                    end = token
                    break
            if not start or end < start:
                start = end = 0
        starts.append(start)
        ends.append(end)
    encoded["start_positions"], encoded["end_positions"] = starts, ends
    return encoded


def train_extractive(student: Student, rows: Sequence[dict], settings: TrainSettings) -> dict[str, float]:
    """Fine-tune the span head and encoder on ``rows``; returns rows, seconds and examples per second."""
    import datasets
    from transformers import Trainer, TrainingArguments

    features = span_features(student.tokenizer, [r["question"] for r in rows], [r["context"] for r in rows],
                             [r["answer"] for r in rows], settings.max_length)
    columns = ["input_ids", "attention_mask", "start_positions", "end_positions"]
    table = datasets.Dataset.from_dict({c: features[c] for c in columns if c in features})
    with tempfile.TemporaryDirectory() as folder:
        args = TrainingArguments(output_dir=folder, num_train_epochs=settings.epochs, max_steps=settings.max_steps,
                                 learning_rate=settings.learning_rate, per_device_train_batch_size=settings.batch_size,
                                 warmup_steps=settings.warmup_ratio, weight_decay=settings.weight_decay,  # < 1: a ratio
                                 seed=settings.seed, data_seed=settings.seed, save_strategy="no", report_to=[],
                                 logging_strategy="no", disable_tqdm=True, use_cpu=not _cuda())
        started = time.perf_counter()
        Trainer(model=student.model, args=args, train_dataset=table).train()
        seconds = time.perf_counter() - started
    return {"rows": len(rows), "train_seconds": seconds,
            "examples_per_second": len(rows) * settings.epochs / seconds if seconds else float("nan")}


def predict_spans(student: Student, questions: Sequence[str], contexts: Sequence[str], max_length: int = 256,
                  max_answer_tokens: int = 30, batch_size: int = 32) -> list[str]:
    """The best context span (start <= end, at most ``max_answer_tokens`` tokens) for each question."""
    import torch

    model = student.model.eval()
    answers: list[str] = []
    for begin in range(0, len(questions), batch_size):
        qs, cs = list(questions[begin:begin + batch_size]), list(contexts[begin:begin + batch_size])
        encoded = span_features(student.tokenizer, qs, cs, max_length=max_length)
        inputs = {k: torch.tensor(encoded[k], device=model.device) for k in ("input_ids", "attention_mask",
                                                                             "token_type_ids") if k in encoded}
        with torch.no_grad():
            out = model(**inputs)
        for row in range(len(qs)):
            in_context = torch.tensor([s == 1 for s in encoded.sequence_ids(row)], device=out.start_logits.device)
            start = out.start_logits[row].float().masked_fill(~in_context, -1e9)
            end = out.end_logits[row].float().masked_fill(~in_context, -1e9)
            scores = start[:, None] + end[None, :]  # [start token, end token]
            width = torch.arange(len(start), device=scores.device)
            allowed = (width[None, :] >= width[:, None]) & (width[None, :] - width[:, None] < max_answer_tokens)
            best = int(torch.argmax(scores.masked_fill(~allowed, -1e9)))
            s, e = divmod(best, len(start))
            offsets = encoded["offset_mapping"][row]
            answers.append(cs[row][offsets[s][0]:offsets[e][1]])
    return answers


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()
