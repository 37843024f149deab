"""Fuzzy near-duplicates (rapidfuzz ``token_set_ratio`` > 85) with complete candidate blocking.

Scoring all pairs costs n^2 rapidfuzz calls (~150 s for 5k x 5k texts on two cores). Instead two
blocking parts propose candidate pairs and only those are scored, with the same scorer, so every
reported pair is a true one; the blocking is *proved* to propose every pair scoring above the
threshold, so the result equals all pairs for every input.

Tokens are exactly rapidfuzz's (:mod:`synthlib.filters.fuzzy_tokens`). How ``token_set_ratio``
scores (rapidfuzz 3, no processor): with I the shared tokens, DA and DB the tokens of one side
only, each sorted and joined by spaces into strings dA, dB and the joined I, of lengths A, B and S
(S' = S + 1 when I is non-empty, else 0), the score is 0 when a text has no tokens, 100 when I is
non-empty and DA or DB is empty, else the maximum of

1. ``1 - (A + [S>0]) / (2S + A + [S>0])`` and the same with B (only when I is non-empty), and
2. ``1 - indel(dA, dB) / (2S' + A + B)`` (the normalised Indel similarity of the two sides'
   sorted strings; the common prefix of shared tokens cancels out of the Indel distance).

Completeness: a pair scoring above t is contained (score 100), passes through ratio 1, or passes
through ratio 2. Part one (:mod:`synthlib.filters.fuzzy_containment`) proposes every pair of the
first two kinds: a text whose extra tokens weigh under a fixed share of it has a shared token among
its rarest tokens. Part two (:mod:`synthlib.filters.fuzzy_bigrams`) proposes every pair of the
third: ``indel(dA, dB) <= e N`` (e = 1 - t/100) forces the bigram profiles of the two token sets
to overlap in at least ``(1 - 3e)(Wx + Wy)/2 + 3e`` bigrams (W: summed token length + 1), because
one inserted or deleted character changes at most three bigrams, and it forces
``|Wx - Wy| <= e (Wx + Wy - 2)``; the overlap of every length-compatible pair is computed exactly
(a blocked matrix product). Both proofs are in those modules' docstrings; e carries a 1e-6 slack
for the float32 rounding of the scores. Why bigrams: at t = 85 the Indel ratio tolerates a
distance of 0.15 N, a typo in every word. The same count bound for trigrams keeps only
``(1 - 5e)/2`` = 12.5% of the characters as shared grams, and the grams spanning two tokens (one
per word, ~17% of English text) take more than that away: nothing is left. Character counts
(q = 1) are passed by most English texts of equal length. Bigrams need 55% of the profile in
common, while unrelated 40-word Wikinews windows share 43% (median; 53% at the 99th percentile),
so about 0.2% of unrelated pairs reach rapidfuzz.

Candidates are scored with ``rapidfuzz.process.cpdist`` on each text's canonical form (its unique
rapidfuzz tokens, sorted, joined by spaces): ``token_set_ratio`` depends only on the token sets, and
re-splitting the canonical form gives the same set, so the scores are identical and rapidfuzz
tokenizes less.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from synthlib.filters.base import FilterReport, Sample, sample_text
from synthlib.filters.fuzzy_bigrams import bigram_pairs
from synthlib.filters.fuzzy_containment import containment_pairs, min_prefix_fraction
from synthlib.filters.fuzzy_tokens import RAPIDFUZZ_SEPARATORS, canonical, rapidfuzz_tokens, unique_tokens

__all__ = ["RAPIDFUZZ_SEPARATORS", "FuzzyDedup", "all_pairs_reference", "candidate_pairs", "min_prefix_fraction",
           "rapidfuzz_tokens", "similar_pairs"]


def _check_threshold(threshold: float) -> None:
    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold {threshold} is outside 0..100, the range of token_set_ratio; pick one inside")


def _candidates(tokens_a: list[list[str]], tokens_b: list[list[str]] | None, prefix_fraction: float | None,
                threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The union of both blocking parts, sorted and without repeats."""
    i1, j1 = containment_pairs(tokens_a, tokens_b, threshold, prefix_fraction)
    i2, j2 = bigram_pairs(tokens_a, tokens_b, threshold)
    pairs = np.unique(np.stack([np.concatenate([i1, i2]), np.concatenate([j1, j2])], 1).reshape(-1, 2), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def candidate_pairs(texts_a: list[str], texts_b: list[str] | None = None, prefix_fraction: float | None = None,
                    threshold: float = 85.0) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)`` from both blocking parts; within one list only ``i < j``.

    Every pair with ``token_set_ratio > threshold`` is among them (module docstring).
    """
    _check_threshold(threshold)
    tokens_a = [unique_tokens(t) for t in texts_a]
    tokens_b = None if texts_b is None else [unique_tokens(t) for t in texts_b]
    return _candidates(tokens_a, tokens_b, prefix_fraction, threshold)


def similar_pairs(texts_a: list[str], texts_b: list[str] | None = None, threshold: float = 85.0,
                  prefix_fraction: float | None = None, workers: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Pairs with ``token_set_ratio > threshold``: arrays ``i``, ``j``, ``score`` and the candidates scored.

    Within one list (``texts_b`` None) pairs have ``i < j``; across lists ``i`` indexes ``texts_a``.
    ``prefix_fraction`` sizes blocking part one (None: :func:`min_prefix_fraction`, the least that is complete).
    """
    from rapidfuzz import fuzz
    from rapidfuzz.process import cpdist

    _check_threshold(threshold)
    tokens_a = [unique_tokens(t) for t in texts_a]
    tokens_b = None if texts_b is None else [unique_tokens(t) for t in texts_b]
    i, j = _candidates(tokens_a, tokens_b, prefix_fraction, threshold)
    if len(i) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32), 0
    canon_a = [canonical(t) for t in tokens_a]
    canon_b = canon_a if tokens_b is None else [canonical(t) for t in tokens_b]
    scores = cpdist([canon_a[k] for k in i], [canon_b[k] for k in j], scorer=fuzz.token_set_ratio,
                    workers=workers, dtype=np.float32)
    hit = scores > threshold
    return i[hit], j[hit], scores[hit], len(i)


def all_pairs_reference(texts: list[str], threshold: float = 85.0, workers: int = -1) -> set[tuple[int, int]]:
    """Brute force: every pair ``i < j`` with ``token_set_ratio > threshold`` via ``rapidfuzz.process.cdist``."""
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist

    matrix = cdist(texts, texts, scorer=fuzz.token_set_ratio, workers=workers, dtype=np.float32)
    i, j = np.nonzero(np.triu(matrix > threshold, k=1))
    return set(zip(i.tolist(), j.tolist(), strict=False))


@dataclass
class FuzzyDedup:
    """Drop samples too similar (``token_set_ratio > threshold``) to a few-shot or to an earlier kept sample."""

    fewshots: list[str] = field(default_factory=list)
    threshold: float = 85.0
    fields: tuple[str, ...] | None = ("text",)
    prefix_fraction: float | None = None  # None: the least that is complete
    name: str = "fuzzy_dedup"

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Reasons ``too_similar_to_fewshot`` and ``near_duplicate``; the earliest of a near-duplicate group stays."""
        texts = [sample_text(s, self.fields) for s in samples]
        reasons: Counter = Counter()
        dropped = np.zeros(len(texts), bool)
        checked = 0
        if self.fewshots and texts:
            i, _, _, n = similar_pairs(texts, list(self.fewshots), self.threshold, self.prefix_fraction)
            dropped[np.unique(i)] = True
            reasons["too_similar_to_fewshot"] = int(dropped.sum())
            checked += n
        i, j, _, n = similar_pairs(texts, None, self.threshold, self.prefix_fraction)
        checked += n
        partners: dict[int, list[int]] = {}
        for a, b in zip(i.tolist(), j.tolist(), strict=False):
            partners.setdefault(b, []).append(a)
        for b in sorted(partners):  # greedy in input order: drop b if an earlier partner was kept
            if not dropped[b] and any(not dropped[a] for a in partners[b]):
                dropped[b] = True
                reasons["near_duplicate"] += 1
        kept = [s for s, d in zip(samples, dropped, strict=False) if not d]
        report = FilterReport(self.name, len(samples), len(kept), +reasons,
                              details={"candidate_pairs_scored": checked, "similar_pairs": int(len(i))})
        return kept, report
