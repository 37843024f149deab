"""Text-overlap metrics: ROUGE-L (rouge-score), keyword inclusion, lexical diversity, n-gram overlap."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache


@lru_cache(maxsize=2)
def _rouge_scorer(use_stemmer: bool):
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=use_stemmer)


def rouge_l(predictions: Sequence[str], references: Sequence[str], use_stemmer: bool = True) -> float:
    """Mean ROUGE-L F-measure (rouge-score package) in [0, 1]."""
    if len(predictions) != len(references) or not references:
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    scorer = _rouge_scorer(use_stemmer)
    return sum(scorer.score(ref, pred)["rougeL"].fmeasure for pred, ref in zip(predictions, references)) / len(references)


def keyword_inclusion(summary: str, keywords: Sequence[str]) -> float:
    """Share of ``keywords`` found in ``summary`` (case-insensitive, whole words/phrases).

    Both sides are reduced to lower-cased word tokens, so punctuation and spacing do not matter
    ("Tim Cook," holds "tim cook"; "U.S." holds "U.S"), while a keyword must match whole words
    ("Apple" is not found in "Pineapple"); a multi-word keyword must appear as that word sequence.

    The capability-transfer paper's metric: the teacher names the keywords a good summary must
    contain, and the student's summary is scored by how many it includes.
    """
    if not keywords:
        raise ValueError("no keywords to look for")
    return 1.0 - len(missing_keywords(summary, keywords)) / len(keywords)


def missing_keywords(summary: str, keywords: Sequence[str]) -> list[str]:
    """The ``keywords`` that ``summary`` does not hold, read as :func:`keyword_inclusion` reads them."""
    text = " " + " ".join(_words(summary)) + " "
    # a keyword without any word character (e.g. "--") can never be found, not even in an empty summary
    return [k for k in keywords if not (_words(k) and " " + " ".join(_words(k)) + " " in text)]


def _words(text: str) -> list[str]:
    # lower-cased word tokens: punctuation, apostrophes and hyphens separate words on both sides alike
    return re.findall(r"\w+", text.lower())


def lexical_diversity(texts: Iterable[str]) -> float:
    """Unique words over all words across ``texts`` (GOLD's Table 11 measure), lower-cased."""
    words = [w for text in texts for w in re.findall(r"\w+", text.lower())]
    if not words:
        raise ValueError("no words in the texts")
    return len(set(words)) / len(words)


def _ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    tokens = text.lower().split()
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def ngram_contamination(samples: Sequence[str], test_texts: Sequence[str], n: int = 13) -> float:
    """Share of samples sharing at least one ``n``-gram with any test text (SoftSRV: n=13).

    The measure is the decontamination filter's own test (punctuation and digits removed first,
    letters of every script kept), so the share reported here is exactly the share that filter
    would drop.
    """
    from synthlib.filters.decontaminate import NgramDecontaminator

    if not samples:
        raise ValueError("no samples to check")
    guard = NgramDecontaminator(eval_texts=list(test_texts), n=n)
    return sum(guard.contaminated(s) for s in samples) / len(samples)


def weighted_jaccard(train_texts: Sequence[str], test_texts: Sequence[str], n: int = 5) -> float:
    """Weighted Jaccard similarity of the n-gram count multisets of two corpora (CRAFT: n=5).

    sum over n-grams of min(count_train, count_test) / sum of max(count_train, count_test).
    """
    train = Counter(g for t in train_texts for g in _ngrams(t, n))
    test = Counter(g for t in test_texts for g in _ngrams(t, n))
    keys = train.keys() | test.keys()
    if not keys:
        return 0.0
    return sum(min(train[k], test[k]) for k in keys) / sum(max(train[k], test[k]) for k in keys)
