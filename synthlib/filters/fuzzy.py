"""Fuzzy near-duplicates (rapidfuzz ``token_set_ratio`` > 85) with candidate blocking.

Scoring all pairs costs n^2 rapidfuzz calls (~150 s for 5k x 5k texts on two cores). Instead a
token index proposes candidate pairs and only those are scored, with the same scorer, so every
reported pair is a true one; the blocking decides recall.

Tokens are exactly rapidfuzz's: ``token_set_ratio`` splits at the whitespace of
:data:`RAPIDFUZZ_SEPARATORS` (Python's ``str.isspace`` set minus U+0085 and the no-break space
U+00A0, measured over every code point in ``tests/filters``), and compares the *sets* of tokens.
U+0085 and U+00A0 are separators after all in a text that holds any code point above U+00FF
(rapidfuzz reads such a string with wider characters and a fuller whitespace table): one
Cyrillic or CJK letter makes "model\u00a0river" two tokens, while in Latin-1 text it stays one.
Python's ``str.split()`` always splits at U+00A0, which changes the token sets (and the scores) of
Wikipedia-like text; :func:`rapidfuzz_tokens` follows rapidfuzz in both cases.

How ``token_set_ratio`` scores (rapidfuzz 3, no processor): with I the shared tokens, DA and DB the
tokens of one side only, each sorted and joined by spaces into strings of lengths S, A, B
(S' = S + 1 when I is non-empty, else 0), the score is 100 when I is non-empty and DA or DB is
empty, else the maximum of

1. ``1 - (A + [S>0]) / (2S + A + [S>0])``  and the same with B (shared tokens against shared plus
   one side's extra tokens), and
2. ``1 - indel(jDA, jDB) / (2S' + A + B)`` (the normalised Indel similarity of the two sides'
   sorted strings; the common prefix of shared tokens cancels out of the Indel distance).

Blocking, part one (containment, proved): each token weighs its length + 1; for the index tokens
are lower-cased and stripped of punctuation (so "World," and "world" meet; a key shared this way
only adds candidates) and sorted rarest first; a text's *prefix* is its shortest run of rarest
tokens holding at least ``prefix_fraction`` of its weight. Two texts are candidates when one's prefix key set meets the other's key set (one
sparse matrix product). If ratio 1 exceeds t then the extra tokens of that side weigh less than
``2(1 - t) / (2 - t)`` of it (0.26 at t = 0.85); were all its prefix tokens extra, they would weigh at
least ``prefix_fraction`` >= that bound: contradiction, so a prefix token is shared and the pair is
proposed. :func:`min_prefix_fraction` is that bound and :func:`similar_pairs` refuses less.

Blocking, part two (spelling variants, proved for one edit per token): ratio 2 can exceed t with no
shared token at all, e.g. when most words carry a typo. Every normalised token of at least
:data:`TYPO_MIN_CHARS` characters is also indexed under its one-character deletions (the
SymSpell deletion neighbourhood). Two tokens u, v then share a key when u == v, when one is the
other with one character inserted (the longer has >= TYPO_MIN_CHARS characters), or when both have
>= TYPO_MIN_CHARS characters and differ by one substitution or one swap of adjacent characters
(delete the changed position, or one of the two swapped characters, from both). Each text gets a
second prefix, its cheapest tokens (fewest texts reached through their keys) holding at least
``typo_fraction`` of its weight, matched against the other text's full key set. Claim: if the
tokens of x that have no one-edit counterpart in y weigh less than ``typo_fraction`` of x, the pair
is proposed. Proof: x's typo prefix weighs at least ``typo_fraction``, so it holds a token with a
counterpart in y, whose keys meet. That covers a near-copy with a typo in any number of its words,
as long as each word has at most one (the counterpart is the original word); shared words count
as counterparts too. Pairs that only part two proposes are kept only if their canonical lengths
L1, L2 allow ratio 2: ``|L1 - L2| <= indel < (1 - t)(L1 + L2)`` (containment matches all come from
part one).

What is *not* proved: a ratio-2 match in which both texts have at least ``typo_fraction`` of their
weight in tokens two or more edits from every token of the other, e.g. two heavy-typo copies of
the same text, whose words then differ by two typos each. No cheap filter excludes such pairs at
t = 0.85: ratio 2 tolerates an Indel distance of up to 0.15 (2S' + A + B), about 30% of one
text's characters; a q-gram count filter then needs more q-grams than q times that distance
(vacuous for q >= 2), and its q = 1 form (character-count Dice) is passed by most pairs of English
texts of equal length. Recall there is measured, not proved: ``tests/filters`` and
``benchmarks/fuzzy_dedup.py`` compare with all pairs on workloads that include typo variants.

Candidates are scored with ``rapidfuzz.process.cpdist`` on each text's canonical form (its unique
rapidfuzz tokens, sorted, joined by spaces): ``token_set_ratio`` depends only on the token sets, and
re-splitting the canonical form gives the same set, so the scores are identical and rapidfuzz
tokenizes less.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from synthlib.filters.base import FilterReport, Sample, sample_text

_STRIP = re.compile(r"[\W_]+")

#: the characters rapidfuzz's token scorers split at (not U+0085 NEL, not U+00A0 NO-BREAK SPACE)
RAPIDFUZZ_SEPARATORS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                        "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPLIT = re.compile("[" + re.escape(RAPIDFUZZ_SEPARATORS) + "]+")
#: in a text with a code point above U+00FF rapidfuzz also splits at U+0085 and U+00A0
_SPLIT_WIDE = re.compile("[" + re.escape(RAPIDFUZZ_SEPARATORS + "\x85\xa0") + "]+")

#: tokens this long or longer are also indexed under their one-character deletions
TYPO_MIN_CHARS = 3


def rapidfuzz_tokens(text: str) -> list[str]:
    """The tokens ``rapidfuzz.fuzz.token_set_ratio`` compares (with duplicates, in text order)."""
    splitter = _SPLIT_WIDE if text and max(text) > "\xff" else _SPLIT
    return [token for token in splitter.split(text) if token]


def min_prefix_fraction(threshold: float) -> float:
    """Smallest prefix fraction that provably finds every pair matched through shared-token containment."""
    t = threshold / 100
    return 2 * (1 - t) / (2 - t)


@dataclass
class _Index:
    """Sparse key sets of a list of texts (binary csr matrices, texts x keys), for both blocking parts."""

    full: object  # each text's normalised tokens
    prefix: object  # its prefix tokens (part one)
    typo_full: object  # its tokens and their one-character deletions
    typo_prefix: object  # the same for its typo prefix (part two)
    lengths: np.ndarray  # characters of each text's canonical form


def _canonical(text: str) -> str:
    return " ".join(sorted(set(rapidfuzz_tokens(text))))


def typo_keys(token: str) -> set[str]:
    """``token`` and, when it has >= TYPO_MIN_CHARS characters, each of its one-character deletions."""
    if len(token) < TYPO_MIN_CHARS:
        return {token}
    return {token} | {token[:k] + token[k + 1:] for k in range(len(token))}


def _weights(groups: list[list[str]]):
    """Per group: a csr matrix (texts x normalised tokens) of token weights, and canonical lengths."""
    from scipy import sparse

    normal: dict[str, str] = {}  # raw token -> index token (lower-cased, punctuation stripped)
    vocab: dict[str, int] = {}
    built = []
    for texts in groups:
        rows, cols, values, lengths = [], [], [], np.zeros(len(texts), np.int64)
        for row, text in enumerate(texts):
            raws = set(rapidfuzz_tokens(text))
            lengths[row] = sum(map(len, raws)) + max(0, len(raws) - 1)
            weight: Counter = Counter()
            for raw in raws:
                key = normal.get(raw)
                if key is None:
                    key = normal[raw] = _STRIP.sub("", raw.lower()) or raw
                weight[key] += len(raw) + 1
            rows.extend([row] * len(weight))
            cols.extend(vocab.setdefault(key, len(vocab)) for key in weight)
            values.extend(weight.values())
        built.append(((rows, cols, values), len(texts), lengths))
    shape = max(1, len(vocab))
    matrices = [sparse.csr_matrix((np.asarray(v, np.float64), (r, c)), shape=(n, shape)) for (r, c, v), n, _ in built]
    return matrices, [lengths for _, _, lengths in built], list(vocab)


def _binary(matrix):
    matrix = matrix.tocsr(copy=True)
    matrix.data[:] = 1.0
    return matrix.astype(np.float32)


def _prefix(weights, rank: np.ndarray, fraction: float):
    """Binary csr: per row, the shortest run of tokens in ``rank`` order with >= ``fraction`` of its weight."""
    from scipy import sparse

    coo = weights.tocoo()
    order = np.lexsort((rank[coo.col], coo.row))
    rows, cols, values = coo.row[order], coo.col[order], coo.data[order]
    before = np.cumsum(values) - values  # weight of the earlier tokens, over all rows
    starts = np.searchsorted(rows, rows)  # first entry of each entry's row
    before = before - before[starts]
    need = fraction * np.asarray(weights.sum(axis=1)).ravel()
    keep = (before < need[rows]) | (np.arange(len(rows)) == starts)  # until the run reaches the fraction
    return sparse.csr_matrix((np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])), shape=weights.shape)


def _rank(cost: np.ndarray, tokens: list[str]) -> np.ndarray:
    """Rank of each token, cheapest first; ties broken by the token itself (deterministic)."""
    by_text = np.empty(len(tokens), np.int64)
    by_text[sorted(range(len(tokens)), key=tokens.__getitem__)] = np.arange(len(tokens))
    rank = np.empty(len(tokens), np.int64)
    rank[np.lexsort((by_text, cost))] = np.arange(len(tokens))
    return rank


def _build_indexes(groups: list[list[str]], prefix_fraction: float, typo_fraction: float) -> list[_Index]:
    """One index per group of texts, over shared vocabularies and token orders.

    Tokens are ordered cheapest first, a token costing the number of texts its keys reach: any
    fixed order keeps the proofs, and this one puts rare tokens with rare keys into the prefixes.
    """
    from scipy import sparse

    weights, lengths, tokens = _weights(groups)
    present = [_binary(w) for w in weights]
    exact_rank = _rank(sum(np.asarray(p.sum(axis=0)).ravel() for p in present), tokens)
    key_ids: dict[str, int] = {}
    key_rows, key_cols = [], []
    for token_id, token in enumerate(tokens):
        for key in (typo_keys(token) if typo_fraction > 0 else (token,)):
            key_rows.append(token_id)
            key_cols.append(key_ids.setdefault(key, len(key_ids)))
    keys = sparse.csr_matrix((np.ones(len(key_rows), np.float32), (key_rows, key_cols)),
                             shape=(present[0].shape[1], max(1, len(key_ids))))
    typo_full = [_binary(p @ keys) for p in present]
    key_df = sum(np.asarray(t.sum(axis=0)).ravel() for t in typo_full)
    typo_rank = _rank(keys @ key_df, tokens)
    return [_Index(full=p, prefix=_prefix(w, exact_rank, prefix_fraction), typo_full=t,
                   typo_prefix=_binary(_prefix(w, typo_rank, typo_fraction) @ keys), lengths=n)
            for w, p, t, n in zip(weights, present, typo_full, lengths, strict=True)]


def candidate_pairs(texts_a: list[str], texts_b: list[str] | None = None, prefix_fraction: float = 0.3,
                    typo_fraction: float = 0.1, threshold: float = 85.0) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)`` from blocking; within one list only ``i < j`` is returned.

    Part one (shared tokens, ``prefix_fraction``) and part two (one-edit keys, ``typo_fraction``;
    0 turns it off) of the module docstring. A pair that only part two proposes can match only
    through ratio 2, which needs ``|L1 - L2| < (1 - t)(L1 + L2)`` for the canonical lengths (the
    Indel distance is at least the length difference); pairs failing that are dropped.
    """
    groups = [texts_a] if texts_b is None else [texts_a, texts_b]
    a, b = (indexes := _build_indexes(groups, prefix_fraction, typo_fraction))[0], indexes[-1]
    exact = ((a.prefix @ b.full.T) + (a.full @ b.prefix.T)).tocoo()
    i, j = exact.row.astype(np.int64), exact.col.astype(np.int64)
    if typo_fraction > 0:
        typo = ((a.typo_prefix @ b.typo_full.T) + (a.typo_full @ b.typo_prefix.T)).tocoo()
        ti, tj = typo.row.astype(np.int64), typo.col.astype(np.int64)
        la, lb = a.lengths[ti], b.lengths[tj]
        feasible = np.abs(la - lb) < (1 - threshold / 100) * (la + lb) + 1e-9
        pairs = np.unique(np.concatenate([np.stack([i, j], 1), np.stack([ti[feasible], tj[feasible]], 1)]), axis=0)
        i, j = pairs[:, 0], pairs[:, 1]
    if texts_b is None:
        keep = i < j
        i, j = i[keep], j[keep]
    return i, j


def similar_pairs(texts_a: list[str], texts_b: list[str] | None = None, threshold: float = 85.0,
                  prefix_fraction: float = 0.3, workers: int = -1,
                  typo_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Pairs with ``token_set_ratio > threshold``: arrays ``i``, ``j``, ``score`` and the candidates scored.

    Within one list (``texts_b`` None) pairs have ``i < j``; across lists ``i`` indexes ``texts_a``.
    ``prefix_fraction`` and ``typo_fraction`` size the two blocking parts (module docstring).
    """
    from rapidfuzz import fuzz
    from rapidfuzz.process import cpdist

    if prefix_fraction < min_prefix_fraction(threshold):
        raise ValueError(f"prefix_fraction {prefix_fraction} is below {min_prefix_fraction(threshold):.3f}, the "
                         f"least that finds every containment match at threshold {threshold}; raise it")
    i, j = candidate_pairs(texts_a, texts_b, prefix_fraction, typo_fraction, threshold)
    if len(i) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32), 0
    canon_a = [_canonical(t) for t in texts_a]
    canon_b = canon_a if texts_b is None else [_canonical(t) for t in texts_b]
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
    prefix_fraction: float = 0.3
    typo_fraction: float = 0.1
    name: str = "fuzzy_dedup"

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Reasons ``too_similar_to_fewshot`` and ``near_duplicate``; the earliest of a near-duplicate group stays."""
        texts = [sample_text(s, self.fields) for s in samples]
        reasons: Counter = Counter()
        dropped = np.zeros(len(texts), bool)
        checked = 0
        if self.fewshots and texts:
            i, _, _, n = similar_pairs(texts, list(self.fewshots), self.threshold, self.prefix_fraction,
                                         typo_fraction=self.typo_fraction)
            dropped[np.unique(i)] = True
            reasons["too_similar_to_fewshot"] = int(dropped.sum())
            checked += n
        i, j, _, n = similar_pairs(texts, None, self.threshold, self.prefix_fraction,
                                     typo_fraction=self.typo_fraction)
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
