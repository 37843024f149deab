"""SQuAD exact match and token F1 with the official answer normalisation.

Normalisation (as in the SQuAD v1.1 evaluation script): lower-case, drop punctuation, drop the
articles a/an/the, collapse whitespace. A prediction is scored against every gold answer and the
best score counts.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """Lower-case, strip punctuation and articles, and collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold_answers: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer."""
    target = normalize_answer(prediction)
    return float(any(target == normalize_answer(gold) for gold in gold_answers))


def token_f1(prediction: str, gold_answers: Sequence[str]) -> float:
    """Best bag-of-tokens F1 between the prediction and any gold answer."""
    return max(_f1(normalize_answer(prediction).split(), normalize_answer(g).split()) for g in gold_answers)


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if not predicted or not gold:
        return float(predicted == gold)  # both empty counts as a match, one empty as a miss
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: Sequence[str], gold: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mean exact match and F1 in percent, as SQuAD reports them."""
    if len(predictions) != len(gold) or not gold:
        raise ValueError(f"{len(predictions)} predictions for {len(gold)} questions; score aligned, non-empty lists")
    em = sum(exact_match(p, g) for p, g in zip(predictions, gold))
    f1 = sum(token_f1(p, g) for p, g in zip(predictions, gold))
    return {"exact_match": 100 * em / len(gold), "f1": 100 * f1 / len(gold)}
