"""Blocking part two: every pair whose ``token_set_ratio`` can exceed t through its Indel ratio.

Notation of :mod:`synthlib.filters.fuzzy`: shared tokens I, one-side tokens DA and DB, joined
(sorted, by spaces) into strings dA and dB of lengths A and B; S' = (length of the joined I) + 1
when I is non-empty, else 0; the Indel ratio is ``1 - d / N`` with d = indel(dA, dB) and
N = 2S' + A + B. A text's *weight* W is the sum of ``len(token) + 1`` over its distinct tokens.

Profile: the multiset of bigrams of " tok " summed over a text's distinct tokens (W bigrams).

Claim: if DA and DB are non-empty and ``d <= e N`` (e = 1 - t/100), the profiles of x and y share
``O >= (1 - 3e)(Wx + Wy)/2 + 3e`` bigrams (multiset intersection), and ``|Wx - Wy| <= e (Wx + Wy - 2)``.

Proof. (1) The bigrams of u = " " + dA + " " are exactly the profile of DA: each bigram of
" t1 t2 ... tk " lies inside one " ti " (the one holding its non-space character; no token holds a
space). So x's profile is (profile of I) + bigrams(u), and y's is (profile of I) + bigrams(v) with
v = " " + dB + " ", hence ``O = S' + |bigrams(u) & bigrams(v)|`` (the profile of I has S' bigrams).
(2) indel(u, v) = d: a common first and last character adds exactly 2 to the longest common
subsequence and to the lengths. (3) Deleting one character removes at most the 2 bigrams that hold
it and adds at most 1 (its neighbours joined); an insertion is the reverse. So the multiset L1
distance of the bigram profiles of u and v is at most 3d, and since they hold A + 1 and B + 1
bigrams, ``|bigrams(u) & bigrams(v)| >= (A + B + 2 - 3d)/2``. (4) Wx = S' + A + 1, Wy = S' + B + 1,
so N = Wx + Wy - 2; with d <= e N: ``O >= S' + (A + B + 2)/2 - 1.5 e N = (1 - 3e)(Wx + Wy)/2 + 3e``.
(5) ``|Wx - Wy| = |A - B| <= d <= e N``. QED. When DA or DB is empty and I is not, the score is 100
(containment, part one); when a text has no tokens rapidfuzz scores 0.

The join is exact and brute force: O for every length-compatible pair, as a matrix product over
the profiles' (bigram, occurrence) indicators (``min(a, b) = sum_k [a >= k][b >= k]``), dense
float32 BLAS for the elements many texts hold and a sparse product for the rare rest; float32 sums
of 0/1 products are exact integers below 2^24. Cost grows with n^2 times the dense width (~1,000
elements on English text), so a pair costs ~2,000 flops, ~100x less than a rapidfuzz call.
"""

from __future__ import annotations

import numpy as np

#: an element is dense when df_a * df_b >= n_a * n_b / DENSE_SHARE (measured: a sparse multiply-add
#: costs ~800 dense flops, so a ~3% document frequency is where they break even)
DENSE_SHARE = 1000
#: slack on e for the float32 rounding of rapidfuzz's score (its ulp near 100 is ~1e-7 of 1)
_EPS_SLACK = 1e-6


def max_indel_share(threshold: float) -> float:
    """e = 1 - t/100 plus a small slack: a pair scoring above ``threshold`` has ``d <= e N``."""
    return 1 - threshold / 100 + _EPS_SLACK


def min_bigram_overlap(weight_a: np.ndarray, weight_b: np.ndarray, threshold: float) -> np.ndarray:
    """The least profile overlap O of a pair whose Indel ratio exceeds ``threshold`` (module docstring)."""
    e = max_indel_share(threshold)
    return (1 - 3 * e) * (np.asarray(weight_a) + np.asarray(weight_b)) / 2 + 3 * e


def length_compatible(weight_a: np.ndarray, weight_b: np.ndarray, threshold: float) -> np.ndarray:
    """Whether ``|Wa - Wb| <= e (Wa + Wb - 2)``, which every pair matching through the Indel ratio meets."""
    e = max_indel_share(threshold)
    weight_a, weight_b = np.asarray(weight_a, np.float64), np.asarray(weight_b, np.float64)
    return np.abs(weight_a - weight_b) <= e * (weight_a + weight_b - 2) + 1e-9


def bigram_profiles(token_lists: list[list[str]]):
    """Binary csr matrix (texts x (bigram, occurrence) elements) and the weights W.

    Row r holds element (g, k) for k < the count of bigram g in text r's profile, so the dot
    product of two rows is the multiset overlap O. Vectorised over one UTF-32 buffer with one sort.
    """
    from scipy import sparse

    padded = [" " + " ".join(tokens) + " " if tokens else "" for tokens in token_lists]
    lengths = np.fromiter(map(len, padded), np.int64, len(padded))
    codes = np.frombuffer("".join(padded).encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
    first = np.ones(len(codes), bool)  # positions that start a bigram: all but each text's last
    first[np.cumsum(lengths)[lengths > 0] - 1] = False
    position = np.flatnonzero(first)
    row = np.repeat(np.arange(len(padded)), np.maximum(lengths - 1, 0))
    bigram = (codes[position] << 21) | codes[position + 1]  # code points are below 2^21
    order = np.argsort(bigram, kind="stable")  # equal bigrams adjacent, each run in row order
    bigram, row = bigram[order], row[order]
    new_gram = np.ones(len(row), bool)
    new_gram[1:] = bigram[1:] != bigram[:-1]
    new_run = new_gram.copy()
    new_run[1:] |= row[1:] != row[:-1]
    index = np.arange(len(row))
    occurrence = index - np.maximum.accumulate(np.where(new_run, index, 0))  # earlier copies in this row
    gram_start = np.flatnonzero(new_gram)
    width = np.maximum.reduceat(occurrence, gram_start) + 1 if len(row) else np.zeros(0, np.int64)
    offset = np.concatenate([[0], np.cumsum(width)])
    element = np.repeat(offset[:-1], np.diff(np.append(gram_start, len(row)))) + occurrence
    profiles = sparse.csr_matrix((np.ones(len(element), np.float32), (row, element)),
                                 shape=(len(padded), int(offset[-1])))
    return profiles, np.maximum(lengths - 1, 0)


def _split_dense(profiles_a, profiles_b, same: bool):
    """Column ids of dense and sparse elements (elements one side lacks are dropped)."""
    df_a = np.bincount(profiles_a.indices, minlength=profiles_a.shape[1]).astype(np.float64)
    df_b = df_a if same else np.bincount(profiles_b.indices, minlength=profiles_b.shape[1]).astype(np.float64)
    product = df_a * df_b
    useful = (df_a >= 2) if same else (product > 0)
    dense = useful & (product * DENSE_SHARE >= profiles_a.shape[0] * profiles_b.shape[0])
    return np.flatnonzero(dense), np.flatnonzero(useful & ~dense)


def _block_rows(n_columns: int) -> int:
    """Rows per block so that one block of scores stays near 32M float32 entries (128 MB)."""
    return int(max(64, min(2048, 2**25 // max(1, n_columns))))


def bigram_pairs(tokens_a: list[list[str]], tokens_b: list[list[str]] | None = None,
                 threshold: float = 85.0) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(i, j)`` (``i < j`` within one list) that can pass ``threshold`` through the Indel ratio.

    Complete by the claim of the module docstring: pairs with ``O`` below :func:`min_bigram_overlap`
    or failing :func:`length_compatible` cannot. Texts without tokens are left out (they score 0).
    Memory: the dense elements of every text as float32 (25k texts x ~1,000 elements: 100 MB).
    """
    same = tokens_b is None
    profiles, weights = bigram_profiles(tokens_a if same else tokens_a + tokens_b)
    if len(weights) and weights.max() >= 2**24:
        raise ValueError("a text of over 16 million characters: float32 overlaps would not be exact; split it")
    cut = len(tokens_a)
    prof_a, w_a = profiles[:cut], weights[:cut]
    prof_b, w_b = (prof_a, w_a) if same else (profiles[cut:], weights[cut:])
    order_a = np.argsort(w_a, kind="stable")
    order_a = order_a[w_a[order_a] > 0]  # no tokens: rapidfuzz scores 0
    order_b = order_a if same else np.argsort(w_b, kind="stable")
    order_b = order_b[w_b[order_b] > 0]
    if not len(order_a) or not len(order_b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    columns = _split_dense(prof_a, prof_b, same)
    e = max_indel_share(threshold)
    side_a = _Side(prof_a[order_a], w_a[order_a], *columns, e)
    side_b = side_a if same else _Side(prof_b[order_b], w_b[order_b], *columns, e)
    i, j = _join(side_a, side_b, same, threshold)
    i, j = order_a[i], order_b[j]
    return (np.minimum(i, j), np.maximum(i, j)) if same else (i, j)


class _Side:
    """One list of texts, sorted by weight, ready for the blocked join."""

    def __init__(self, profiles, weights: np.ndarray, dense_cols: np.ndarray, rare_cols: np.ndarray, e: float):
        self.weights = weights
        self.dense = profiles[:, dense_cols].toarray()  # float32 0/1
        self.rare = profiles[:, rare_cols].tocsr()
        self.rare_t = self.rare.T.tocsc()
        self.half = ((1 - 3 * e) / 2 * weights).astype(np.float32)  # the bound is half_a + half_b + 3e

    def margin(self, other: _Side, rows: slice, cols: slice) -> np.ndarray:
        """``O - (1 - 3e)(Wa + Wb)/2`` for a block of pairs (float32; O itself is exact below 2^24)."""
        scores = self.dense[rows] @ other.dense[cols].T
        if self.rare.shape[1]:
            scores += (self.rare[rows] @ other.rare_t[:, cols]).toarray()
        scores -= self.half[rows, None]
        scores -= other.half[None, cols]
        return scores


def _join(a: _Side, b: _Side, same: bool, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of rows of ``a`` against the length-compatible columns of ``b``: indices into the sorted lists."""
    e = max_indel_share(threshold)
    # the two float32 subtractions round by a few ulps of the largest magnitude (< 2 max W)
    floor = 3 * e - 1e-3 - 1e-6 * float(max(a.weights.max(), b.weights.max()))
    longest = (1 + e) * a.weights / (1 - e) if e < 1 else np.full(len(a.weights), np.inf)
    found_i, found_j = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    step = _block_rows(len(b.weights))
    for start in range(0, len(a.weights), step):
        stop = min(len(a.weights), start + step)
        lo = start if same else int(np.searchsorted(b.weights, (1 - e) * a.weights[start] / (1 + e) - 1, "left"))
        hi = int(np.searchsorted(b.weights, longest[stop - 1] + 1, "right"))
        if hi <= lo:
            continue
        rows, cols = np.nonzero(a.margin(b, slice(start, stop), slice(lo, hi)) >= floor)
        rows, cols = rows + start, cols + lo
        keep = length_compatible(a.weights[rows], b.weights[cols], threshold) & ((cols > rows) | (not same))
        found_i.append(rows[keep])
        found_j.append(cols[keep])
    return np.concatenate(found_i).astype(np.int64), np.concatenate(found_j).astype(np.int64)
