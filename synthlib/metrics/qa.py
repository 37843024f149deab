"""SQuAD exact match and token F1 with the official answer normalisation.

Normalisation (as in the SQuAD v1.1 evaluation script): lower-case, drop punctuation, drop the
articles a/an/the, collapse whitespace. A prediction is scored against every gold answer and the
best score counts. Token F1 is the v1.1 script's too: 0 whenever no token is shared, so an empty
prediction for an answer that normalises to nothing ("The") has exact match 1 and F1 0.
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
    _need_gold(gold_answers)
    target = normalize_answer(prediction)
    return float(any(target == normalize_answer(gold) for gold in gold_answers))


def token_f1(prediction: str, gold_answers: Sequence[str]) -> float:
    """Best bag-of-tokens F1 between the prediction and any gold answer."""
    _need_gold(gold_answers)
    return max(_f1(normalize_answer(prediction).split(), normalize_answer(g).split()) for g in gold_answers)


def _need_gold(gold_answers: Sequence[str]) -> None:
    if isinstance(gold_answers, str) or not gold_answers:
        raise ValueError(f"need a non-empty list of gold answers, got {gold_answers!r}: wrap a single answer as [answer]")


def _f1(predicted: list[str], gold: list[str]) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:  # no shared token, or an empty side: 0, as the v1.1 script scores it (even both empty)
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
