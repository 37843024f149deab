"""Exact top-k on CPU through an int8 first pass with a proven error bound, then float32 re-scoring.

Why: a batch of queries against fp16 shards is a float32 matrix product on CPUs without fp16 or
bf16 arithmetic, and one query is bound by reading two bytes per coordinate. Int8 codes halve the
bytes and let oneDNN use the CPU's integer dot-product instructions (AVX512-VNNI / AVX-VNNI), about
7x the float32 throughput on a Cascade Lake core. The int8 scores only choose *candidates*; every
candidate is scored again from the exact fp16 vectors, so results equal the exact search.

The bound. Each stored row ``d`` is coded as ``d = s_d * c_d + e_d`` (int8 ``c_d``, per-row scale
``s_d = max|d| / 127``, residual ``e_d``) and each query ``x = t * c_x + e_x`` likewise. With the
exact integer product ``c_d . c_x`` the approximate score ``a = s_d t (c_d . c_x)`` satisfies::

    x . d - a = s_d (c_d . e_x) + x . e_d,   so   |x . d - a| <= N * |e_x| + |x| * R

by Cauchy-Schwarz, where ``N = max_d |s_d c_d|`` and ``R = max_d |e_d|`` over the shard (both
stored with the codes). Call that ``E`` (plus a margin for float32 rounding). If ``A`` is the k-th
largest approximate score, at least k rows have true scores >= ``A - E``, so a row of the true
top-k has ``a >= A - 2E``: keeping every such row and re-scoring it exactly loses nothing.

Files beside a store's ``shard-00000.npy``: ``shard-00000.q8.npy`` (int8 codes, rows x dim) and
``shard-00000.q8meta.npy`` (float32, 3 x rows: the scales, the norms |s c| and the residuals |e|,
one contiguous line each), written atomically on first use.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

#: rows coded per step, and scanned per step for a batch of 32 queries: big enough for the integer
#: GEMM to run at speed, small enough that a chunk's (queries x rows) scores stay in cache
CHUNK_ROWS = 1 << 15
#: scores per scanned chunk (queries x rows); fewer queries scan more rows per step
CHUNK_SCORES = 1 << 20
#: float32 rounding of the approximate and the exact scores, relative to |x| * max |d|
ROUNDING_MARGIN = 1e-4
#: the int8 pass pays off on shards of at least this many rows, with k at most 1/ROWS_PER_K of
#: them; on smaller shards (or large k) the candidates are a big share of the rows and the plain
#: float32 scan is as fast
MIN_ROWS = 1 << 15
ROWS_PER_K = 64
#: relative round-up of stored float32 norms (their own rounding error is below 1e-4 for dim <= 1e3)
NORM_SLACK = np.float32(1.001)


@dataclass
class Int8Codes:
    """Int8 codes of a shard's rows: ``codes`` (n, dim) int8; ``meta`` (3, n) float32 = scales, |s c|, |e|."""

    codes: Any
    meta: Any

    @property
    def scales(self):
        """Per-row scale ``s_d`` (n,), contiguous."""
        return self.meta[0]

    @cached_property
    def max_norm(self) -> float:
        """Largest norm of a coded row ``|s_d c_d|``."""
        return float(np.max(self.meta[1])) if self.meta.shape[1] else 0.0

    @cached_property
    def max_residual(self) -> float:
        """Largest coding residual ``|e_d|``."""
        return float(np.max(self.meta[2])) if self.meta.shape[1] else 0.0


@dataclass
class QuantizedShard:
    """An fp16 shard (array or memmap) with its int8 codes; searches take it wherever they take a shard."""

    vectors: Any
    int8: Int8Codes

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the exact vectors (rows, dim)."""
        return tuple(self.vectors.shape)


def pays_off(rows: int, k: int) -> bool:
    """Whether a shard of ``rows`` rows is searched faster for the top ``k`` through its int8 codes."""
    return rows >= max(MIN_ROWS, ROWS_PER_K * k)


def encode_rows(vectors, chunk_rows: int = CHUNK_ROWS) -> Int8Codes:
    """Int8 codes of ``vectors`` (any float array), with the per-row scale, coded norm and residual."""
    n, dim = vectors.shape
    codes = np.empty((n, dim), np.int8)
    meta = np.empty((3, n), np.float32)
    for begin in range(0, n, chunk_rows):
        block = np.asarray(vectors[begin:begin + chunk_rows], np.float32)
        scale, block_codes = _code(block)
        coded = block_codes * scale[:, None]
        codes[begin:begin + len(block)] = block_codes
        rows = slice(begin, begin + len(block))
        meta[0, rows] = scale
        # float32 norms are within ~dim * 2**-24 (relative) of the real ones: rounding them up by
        # NORM_SLACK keeps the bound built from them a bound
        meta[1, rows] = np.linalg.norm(coded, axis=1) * NORM_SLACK
        meta[2, rows] = np.linalg.norm(block - coded, axis=1) * NORM_SLACK
    return Int8Codes(codes=codes, meta=meta)


def quantized_shard(path: str | Path, mmap: bool = True) -> QuantizedShard:
    """The shard ``path`` (``shard-00000.npy``) with its int8 codes, coding and saving them on first use."""
    from synthlib.retrieval.store import save_npy_atomic

    path = Path(path)
    vectors = np.load(path, mmap_mode="r" if mmap else None)
    codes_path, meta_path = path.with_suffix(".q8.npy"), path.with_suffix(".q8meta.npy")
    if not (codes_path.is_file() and meta_path.is_file()):
        coded = encode_rows(vectors)
        save_npy_atomic(codes_path, coded.codes)
        save_npy_atomic(meta_path, coded.meta)  # written last: both present means both complete
    mode = "r" if mmap else None
    return QuantizedShard(vectors, Int8Codes(np.load(codes_path, mmap_mode=mode), np.load(meta_path, mmap_mode=mode)))


def int8_topk(queries, shard: QuantizedShard, k: int, start: int = 0, chunk_rows: int | None = None):
    """Exact top-k of ``shard`` for float32 ``queries`` (q, dim): int8 candidates, float32 re-scoring."""
    import torch

    from synthlib.retrieval.search import TopK

    q = torch.as_tensor(np.atleast_2d(np.asarray(queries, np.float32)))
    n = int(shard.shape[0])
    k = min(k, n)
    if n == 0:
        return TopK(np.zeros((q.shape[0], 0), np.float32), np.zeros((q.shape[0], 0), np.int64))
    q_scale, q_codes, error = _query_codes(q, shard.int8)
    query, rows = _candidates(q_codes, q_scale, error, shard.int8, k, chunk_rows or _chunk_rows(q.shape[0]))
    return rescore(q, shard.vectors, query, rows, k, start)


# -- internals ---------------------------------------------------------------------------------

def _code(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = (np.abs(block).max(axis=1) / 127).astype(block.dtype)
    safe = np.where(scale > 0, scale, 1)
    return scale, np.clip(np.rint(block / safe[:, None]), -127, 127).astype(np.int8)


def _chunk_rows(n_queries: int) -> int:
    return int(min(max(CHUNK_SCORES // n_queries, CHUNK_ROWS), 1 << 18))


def _query_codes(q, coded: Int8Codes):
    """Per-query scale and int8 codes, and each query's error bound ``E`` against this shard."""
    import torch

    block = q.double().numpy()
    scale, codes = _code(block)
    residual = np.linalg.norm(block - codes * scale[:, None], axis=1)
    norm = np.linalg.norm(block, axis=1)
    error = (coded.max_norm * residual + norm * coded.max_residual
             + ROUNDING_MARGIN * np.maximum(1.0, norm * coded.max_norm))
    as_tensor = torch.from_numpy
    return as_tensor(scale.astype(np.float32))[:, None], as_tensor(codes), as_tensor(error.astype(np.float32))[:, None]


def _chunk_scores(q_codes, q_scale, coded: Int8Codes, begin: int, end: int):
    """Approximate float32 scores (q, end - begin) from the exact integer products."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # read-only memmaps, only read
        codes = torch.from_numpy(np.asarray(coded.codes[begin:end]))
        scale = torch.from_numpy(np.asarray(coded.scales[begin:end]))
    products = torch._int_mm(q_codes, codes.T)  # (q, rows) int32, exact
    return products.float().mul_(scale).mul_(q_scale)


def _candidates(q_codes, q_scale, error, coded: Int8Codes, k: int, chunk: int):
    """(query, local row) pairs whose approximate score is within ``2E`` of the query's final k-th best."""
    import torch

    n_queries, n = q_codes.shape[0], int(coded.codes.shape[0])
    best = torch.full((n_queries, k), -float("inf"))  # the k best approximate scores so far
    found: list = []  # (query, row, approximate score) of every row that passed the line of its time
    with torch.inference_mode():
        for begin in range(0, n, chunk):
            scores = _chunk_scores(q_codes, q_scale, coded, begin, min(begin + chunk, n))
            # the line only rises, so it is never above the final one; the first chunk starts it at
            # its own k-th best (when it has k rows), which the final k-th best can only exceed
            reference = scores.topk(k, dim=1).values if begin == 0 and scores.shape[1] >= k else best
            line = reference[:, -1:] - 2 * error
            query, local = torch.nonzero(scores >= line, as_tuple=True)
            values = scores[query, local]
            found.append((query, local + begin, values))
            best = torch.cat([best, _padded(query, values, n_queries)], dim=1).topk(k, dim=1).values
        query, rows, values = (torch.cat(parts) for parts in zip(*found, strict=True))
        keep = values >= (best[:, -1] - 2 * error[:, 0])[query]
    return query[keep].numpy(), rows[keep].numpy()


def _padded(query, values, n_queries: int):
    """Scatter each query's hit ``values`` (grouped by query, in order) into a (q, most hits) -inf matrix."""
    import torch

    counts = torch.bincount(query, minlength=n_queries)
    out = torch.full((n_queries, int(counts.max()) if len(query) else 0), -float("inf"))
    if len(query):
        first = torch.cumsum(counts, 0) - counts  # where each query's hits begin
        out[query, torch.arange(len(query)) - first[query]] = values
    return out


def rescore(q, vectors, query: np.ndarray, rows: np.ndarray, k: int, start: int):
    """Exact float32 scores of the candidate (query, row) pairs; each query's top-k by score, then row."""
    import torch

    from synthlib.retrieval.search import TopK

    union, inverse = np.unique(rows, return_inverse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # read-only memmaps, only read
        exact_rows = torch.from_numpy(np.asarray(vectors[union])).float()
    exact = (q @ exact_rows.T).numpy()[query, inverse]
    order = np.lexsort((rows, -exact, query))  # by query, then score descending, then row
    counts = np.bincount(query, minlength=q.shape[0])
    if counts.min() < k:  # the k best approximate rows always pass the line; fewer means a bug
        raise RuntimeError(f"int8 search kept {counts.min()} candidates for a query, fewer than k={k}")
    first = np.cumsum(counts) - counts
    take = order[first[:, None] + np.arange(k)[None, :]]
    return TopK(scores=exact[take].astype(np.float32), rows=rows[take].astype(np.int64) + start)
