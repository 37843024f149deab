"""Causal-LM students trained on (prompt, target) rows, scored on the teacher-made metric at every
checkpoint (step 0 included): keyword inclusion for summaries, accuracy for yes/no answers.

Summaries are generated greedily and cut at the first blank line (what follows is no longer the
summary). Yes/no answers are read by comparing the log-probabilities of " yes" and " no" after the
prompt (rank classification), so a student that has not learned the answer format still gets a
readable answer at step 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synthlib.students.loading import LoraSettings

ANSWERS = ("yes", "no")


@dataclass(frozen=True)
class StudentRecipe:
    """How one student is trained and evaluated."""

    reference: str
    lora: bool = False
    lora_r: int = 16
    epochs: float = 1.0
    batch_size: int = 8
    learning_rate: float = 5e-5
    eval_every: int = 40
    max_length: int = 512
    summary_tokens: int = 96


def first_paragraph(text: str) -> str:
    """``text`` up to its first blank line, stripped."""
    return text.strip().split("\n\n")[0].strip()


def keyword_score(student, rows: list[dict], recipe: StudentRecipe) -> dict[str, float]:
    """Mean keyword inclusion (%) of the student's summaries of ``rows`` (each with ``keywords``)."""
    from synthlib.metrics.text import keyword_inclusion
    from synthlib.students import generate_texts

    texts = generate_texts(student, [r["source"] for r in rows], max_new_tokens=recipe.summary_tokens,
                           batch_size=8, max_length=recipe.max_length)
    values = [keyword_inclusion(first_paragraph(t), r["keywords"]) for t, r in zip(texts, rows, strict=True)]
    return {"score": 100 * sum(values) / len(values)}


def answer_accuracy(student, rows: list[dict], recipe: StudentRecipe) -> dict[str, float]:
    """Accuracy (%) of the student's yes/no answers to ``rows`` (each with ``target``) and its yes share."""
    from synthlib.students.predict import choice_logprobs

    scores = choice_logprobs(student, [r["source"] for r in rows], ANSWERS, max_length=recipe.max_length)
    answers = [ANSWERS[int(i)] for i in scores.argmax(axis=1)]
    right = sum(a == r["target"] for a, r in zip(answers, rows, strict=True))
    return {"score": 100 * right / len(rows), "yes_share": 100 * answers.count("yes") / len(rows)}


def train_trajectory(recipe: StudentRecipe, rows: list[dict], evaluate: Callable, seed: int) -> list[dict]:
    """Load a fresh student, train it one run on ``rows`` and return the metric at every checkpoint."""
    import datasets

    from synthlib.students import TrainSettings, load_student, train

    lora = LoraSettings(r=recipe.lora_r, alpha=recipe.lora_r, dropout=0.05) if recipe.lora else None
    student = load_student(recipe.reference, "causal", lora=lora, seed=seed)
    settings = TrainSettings(epochs=recipe.epochs, learning_rate=recipe.learning_rate, batch_size=recipe.batch_size,
                             max_length=recipe.max_length, eval_every=recipe.eval_every, seed=seed, bf16=True)
    table = datasets.Dataset.from_list([{"source": r["source"], "target": r["target"]} for r in rows])
    result = train(student, table, settings, inputs=("source",), target="target",
                   evaluate=lambda s: evaluate(s, recipe))
    seconds = round(result.train_seconds, 1)
    return [{**point, "train_seconds": seconds} for point in result.trajectory]
