"""Blocking part one: every pair whose ``token_set_ratio`` can exceed t through shared tokens alone.

Notation of :mod:`synthlib.filters.fuzzy`. A token weighs ``len + 1``; W is a text's total weight
and S' the weight of the shared tokens (S' = 0 when none are shared). The score is 100 when I is
non-empty and one side has no extra token (S' = Wx or S' = Wy), and ratio 1 of side x is
``1 - (Wx - S') / (Wx + S' - 2)`` (rapidfuzz's ``1 - (A + 1)/(2S + A + 1)`` with A = Wx - S' - 1,
S = S' - 1).

Claim: if ratio 1 of side x exceeds t (or x is contained in y), x's extra tokens weigh
``E = Wx - S' < 2e/(1 + e) Wx`` (e = 1 - t/100, with a 1e-6 slack for float rounding;
:func:`min_prefix_fraction`). Proof: ``E < e (2Wx - E - 2)`` rearranges to
``E (1 + e) < 2e (Wx - 1)``; containment is E = 0.

Tokens are ordered rarest first (any fixed order would do); a text's *prefix* is its shortest run
of tokens holding at least ``prefix_fraction`` of its weight. If no prefix token of x were in y, E
would be at least that fraction of Wx, contradicting the claim when ``prefix_fraction >= 2e/(1 + e)``.
So x's prefix meets y's tokens and one sparse product proposes the pair; S' computed exactly for
each proposed pair then keeps only those that containment or ratio 1 can carry over t.
"""

from __future__ import annotations

import numpy as np

from synthlib.filters.fuzzy_bigrams import max_indel_share


def min_prefix_fraction(threshold: float) -> float:
    """Smallest prefix fraction that provably finds every pair matched through ratio 1 or containment."""
    e = max_indel_share(threshold)
    return 2 * e / (1 + e)


def token_matrices(groups: list[list[list[str]]]):
    """Per group of token lists: a binary csr matrix (texts x distinct tokens) over one shared vocabulary,
    and the token weights (``len + 1``) of that vocabulary."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    built = []
    for token_lists in groups:
        ids = [vocab.setdefault(token, len(vocab)) for tokens in token_lists for token in tokens]
        indptr = np.concatenate([[0], np.cumsum([len(tokens) for tokens in token_lists])]).astype(np.int64)
        built.append((np.asarray(ids, np.int64), indptr, len(token_lists)))
    width = max(1, len(vocab))
    weights = np.fromiter((len(token) + 1 for token in vocab), np.float64, len(vocab))
    matrices = [sparse.csr_matrix((np.ones(len(ids), np.float32), ids, indptr), shape=(n, width))
                for ids, indptr, n in built]
    return matrices, np.concatenate([weights, np.zeros(width - len(vocab))])


def _prefix(present, weights: np.ndarray, rank: np.ndarray, fraction: float):
    """Binary csr: per row, the shortest run of tokens in ``rank`` order holding >= ``fraction`` of its weight."""
    from scipy import sparse

    coo = present.tocoo()
    order = np.lexsort((rank[coo.col], coo.row))
    rows, cols = coo.row[order], coo.col[order]
    values = weights[cols]
    before = np.cumsum(values) - values  # weight of the earlier tokens, over all rows
    starts = np.searchsorted(rows, rows)  # first entry of each entry's row
    before = before - before[starts]
    need = fraction * np.bincount(rows, weights=values, minlength=present.shape[0])
    keep = (before < need[rows]) | (np.arange(len(rows)) == starts)  # until the run reaches the fraction
    return sparse.csr_matrix((np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])), shape=present.shape)


def shared_weight(present_a, present_b, weights: np.ndarray, i: np.ndarray, j: np.ndarray,
                  chunk: int = 200_000) -> np.ndarray:
    """S' of each pair ``(i[k], j[k])``: the summed weight of the tokens both texts hold."""
    from scipy import sparse

    weighted_b = (present_b @ sparse.diags(weights.astype(np.float32))).tocsr()
    out = np.zeros(len(i), np.float64)
    for start in range(0, len(i), chunk):
        a, b = present_a[i[start:start + chunk]], weighted_b[j[start:start + chunk]]
        out[start:start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def ratio1_possible(shared: np.ndarray, weight_a: np.ndarray, weight_b: np.ndarray, threshold: float) -> np.ndarray:
    """Whether containment or ratio 1 of either side can exceed ``threshold`` given the exact S'."""
    e = max_indel_share(threshold)
    side_a = weight_a - shared <= e * (weight_a + shared - 2) + 1e-9
    side_b = weight_b - shared <= e * (weight_b + shared - 2) + 1e-9
    return (shared > 0) & (side_a | side_b)


def containment_pairs(tokens_a: list[list[str]], tokens_b: list[list[str]] | None = None, threshold: float = 85.0,
                      prefix_fraction: float | None = None, exact: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(i, j)`` (``i < j`` within one list) proposed by the token prefixes (module docstring).

    ``prefix_fraction`` defaults to :func:`min_prefix_fraction` (larger only adds candidates). With
    ``exact`` only pairs whose exact S' lets containment or ratio 1 pass ``threshold`` stay.
    """
    if prefix_fraction is None:
        prefix_fraction = min_prefix_fraction(threshold)
    if prefix_fraction < min_prefix_fraction(threshold):
        raise ValueError(f"prefix_fraction {prefix_fraction} is below {min_prefix_fraction(threshold):.3f}, the "
                         f"least that finds every containment match at threshold {threshold}; raise it")
    same = tokens_b is None
    matrices, weights = token_matrices([tokens_a] if same else [tokens_a, tokens_b])
    present_a, present_b = matrices[0], matrices[-1]
    df = sum(np.bincount(m.indices, minlength=m.shape[1]) for m in matrices)
    rank = np.empty(len(df), np.int64)
    rank[np.lexsort((np.arange(len(df)), df))] = np.arange(len(df))  # rarest first, ties by first sight
    prefix_a = _prefix(present_a, weights, rank, prefix_fraction)
    prefix_b = prefix_a if same else _prefix(present_b, weights, rank, prefix_fraction)
    proposed = ((prefix_a @ present_b.T) + (present_a @ prefix_b.T)).tocoo()
    i, j = proposed.row.astype(np.int64), proposed.col.astype(np.int64)
    if same:
        i, j = i[i < j], j[i < j]
    if exact and len(i):
        shared = shared_weight(present_a, present_b, weights, i, j)
        weight_a = present_a @ weights
        weight_b = weight_a if same else present_b @ weights
        keep = ratio1_possible(shared, weight_a[i], weight_b[j], threshold)
        i, j = i[keep], j[keep]
    return i, j
