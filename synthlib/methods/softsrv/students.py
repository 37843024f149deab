"""The student: a causal LM fine-tuned on (question, answer) pairs, then scored on the task's test rows.

GSM8K pass@1 compares the last number of the greedy answer with the gold final answer; MBPP pass@1
runs the answer's program with the problem's asserts **only** in :mod:`synthlib.metrics.sandbox`;
BoolQ accuracy compares the student's log-probabilities of ``false`` and ``true`` after the prompt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from synthlib.methods.softsrv.tasks import BOOL_WORDS, TaskData, extract_code, final_number, student_prompt


@dataclass(frozen=True)
class StudentSettings:
    """Which student and how it is fine-tuned."""

    reference: str
    epochs: float = 1.0
    learning_rate: float = 1e-4
    batch_size: int = 8
    max_length: int = 384
    lora: bool = False
    max_new_tokens: int = 160
    seed: int = 0


def fit(settings: StudentSettings, task: str, pairs: list[dict]):
    """A fresh student fine-tuned on ``pairs`` ({question, answer}); untuned when ``pairs`` is empty."""
    from datasets import Dataset

    from synthlib.students import TrainSettings, load_student, train
    from synthlib.students.loading import LoraSettings

    student = load_student(settings.reference, "causal", lora=LoraSettings(r=16, alpha=32) if settings.lora else None,
                           seed=settings.seed)
    seconds = 0.0
    if pairs:
        rows = [{"source": student_prompt(task, p["question"]), "target": p["answer"]} for p in pairs]
        started = time.perf_counter()
        train(student, Dataset.from_list(rows),
              TrainSettings(epochs=settings.epochs, learning_rate=settings.learning_rate, batch_size=settings.batch_size,
                            max_length=settings.max_length, warmup_ratio=0.1, scheduler="cosine", seed=settings.seed),
              inputs=("source",), target="target")
        seconds = time.perf_counter() - started
    return student, seconds


def score(student: Any, data: TaskData, settings: StudentSettings) -> dict[str, float]:
    """The task's metric on its test rows: ``{"score": ..., "metric": ...}`` (a share in [0, 1])."""
    prompts = [row["prompt"] for row in data.test]
    if data.name == "boolq":
        from synthlib.metrics.multiple_choice import letter_logprobs, mc_accuracy

        logprobs = letter_logprobs(student.model, student.tokenizer, prompts, letters=BOOL_WORDS)
        return {"metric": "accuracy", "score": mc_accuracy(logprobs, [row["label"] for row in data.test])}
    from synthlib.students import generate_texts

    answers = generate_texts(student, prompts, max_new_tokens=settings.max_new_tokens, batch_size=8,
                             max_length=settings.max_length)
    if data.name == "gsm8k":
        hits = [final_number(a) is not None and final_number(a) == row["final"] for a, row in zip(answers, data.test)]
        return {"metric": "pass@1", "score": sum(hits) / len(hits)}
    return {"metric": "pass@1", "score": mbpp_pass_at_1([extract_code(a) for a in answers], data.test)}


def mbpp_pass_at_1(programs: list[str], rows: list[dict]) -> float:
    """Share of problems whose program passes all its asserts, each run in the sandbox (never here)."""
    from synthlib.metrics.code import pass_at_1

    return pass_at_1(programs, [row["tests"] for row in rows], [row.get("setup", "") for row in rows])
