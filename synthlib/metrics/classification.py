"""Accuracy and macro-F1 (scikit-learn), the headline numbers of every classification task."""

from __future__ import annotations

from collections.abc import Sequence


def accuracy(predictions: Sequence[int], labels: Sequence[int]) -> float:
    """Share of predictions equal to their label."""
    from sklearn.metrics import accuracy_score

    _same_length(predictions, labels)
    return float(accuracy_score(labels, predictions))


def macro_f1(predictions: Sequence[int], labels: Sequence[int]) -> float:
    """Unweighted mean of per-class F1 over the classes present in labels or predictions."""
    from sklearn.metrics import f1_score

    _same_length(predictions, labels)
    return float(f1_score(labels, predictions, average="macro"))


def _same_length(predictions: Sequence, labels: Sequence) -> None:
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels; score aligned lists")
    if not len(labels):
        raise ValueError("no examples to score")
