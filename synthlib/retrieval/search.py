"""Exact top-k by inner product over fp16 shards, CRAFT's two-stage search and its 50/50 mix.

Embeddings are unit-norm, so the inner product is the cosine similarity. Shards are float16
arrays (in memory or memory-mapped ``.npy`` files, see :mod:`synthlib.retrieval.store`) or torch
tensors already on a device. Each shard is scanned in chunks of rows and each chunk's top-k is
merged into a running top-k, so memory stays at one chunk however large the shard. Scores are
float32 products of the exact fp16 values with the float32 queries, equal to a NumPy float32 brute
force up to summation order (about 1e-7), so results match it except where two scores tie at
that precision. Three ways get there:

* CPU with a :class:`~synthlib.retrieval.quantized.QuantizedShard` (a shard plus its int8 codes,
  ``CorpusStore.shard_embeddings(int8=True)``): an int8 pass with a proven error bound picks the
  candidates, re-scored in float32 (see :mod:`synthlib.retrieval.quantized`; the fastest way).

* CUDA, small shards, and batches on CPUs without bf16 hardware: each chunk is upcast to
  float32 and multiplied with the queries.
* CPU: a low-precision pass (fp16 matrix-vector for one query, which reads the store once at
  memory speed; bf16 matrix products for a batch where the CPU has bf16 hardware, otherwise the
  float32 path) collects every row that could be in the top-k given a proven bound on its error,
  and only those rows are scored in float32.

CRAFT's two-stage mode keeps, per shard, the top ``top_percent`` % of rows for each query and then
takes the global top-k of the survivors: identical to the exact search whenever the per-shard cut
is at least k, and a bounded-memory approximation otherwise.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_CHUNK_ROWS = {"cpu": 16_384, "cuda": 1 << 20}


@dataclass
class TopK:
    """Top-k per query: ``scores`` (q, k) float32 in descending order and global ``rows`` (q, k) int64."""

    scores: np.ndarray
    rows: np.ndarray

    @property
    def k(self) -> int:
        """Results per query."""
        return int(self.scores.shape[1])


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def brute_force_topk(queries, embeddings, k: int) -> TopK:
    """Reference top-k in plain NumPy float32 over all rows at once (tests and checks only)."""
    scores = np.asarray(queries, np.float32) @ np.asarray(embeddings, np.float32).T
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return TopK(scores=np.take_along_axis(scores, order, axis=1), rows=order.astype(np.int64))


def shard_topk(queries, shard, k: int, start: int = 0, device: str = "cpu",
               chunk_rows: int | None = None) -> TopK:
    """Exact top-k of one shard, rows numbered from ``start``; scans ``chunk_rows`` rows at a time."""
    import torch

    from synthlib.retrieval.quantized import QuantizedShard, int8_topk, pays_off

    device = resolve_device(device)
    if isinstance(shard, QuantizedShard):
        if device == "cpu" and pays_off(int(shard.shape[0]), k):
            return int8_topk(queries, shard, k, start, chunk_rows)
        shard = shard.vectors  # GPUs multiply fp16 at full speed, small shards scan fast: no codes needed
    q = _queries_tensor(queries, device)
    n = int(shard.shape[0])
    if device == "cpu" and n > 4 * k and (q.shape[0] == 1 or _native_bf16()):
        return _rescored_topk(q, shard, k, start, chunk_rows)
    chunk = chunk_rows or DEFAULT_CHUNK_ROWS.get(device.split(":")[0], 16_384)
    best_scores = best_rows = None
    with torch.inference_mode():
        for begin in range(0, n, chunk):
            block = _rows_tensor(shard, begin, min(begin + chunk, n), device)
            scores = q @ block.T  # (q, rows in chunk), float32
            values, index = scores.topk(min(k, scores.shape[1]), dim=1)
            index += start + begin
            if best_scores is None:
                best_scores, best_rows = values, index
            else:
                best_scores, best_rows = _merge(best_scores, best_rows, values, index, k)
    if best_scores is None:
        return TopK(np.zeros((q.shape[0], 0), np.float32), np.zeros((q.shape[0], 0), np.int64))
    return TopK(scores=best_scores.cpu().numpy(), rows=best_rows.cpu().numpy().astype(np.int64))


def merge_topk(parts: list[TopK], k: int) -> TopK:
    """Global top-k of several partial results over disjoint rows (e.g. one per shard)."""
    parts = [p for p in parts if p.k]
    if not parts:
        raise ValueError("nothing to merge: every partial top-k is empty")
    scores = np.concatenate([p.scores for p in parts], axis=1)
    rows = np.concatenate([p.rows for p in parts], axis=1)
    k = min(k, scores.shape[1])
    # sort by score descending, then by row, so merging is deterministic whatever the part order
    order = np.lexsort((rows, -scores), axis=1)[:, :k]
    return TopK(scores=np.take_along_axis(scores, order, axis=1), rows=np.take_along_axis(rows, order, axis=1))


def exact_topk(queries, shards: list[Any], k: int, starts: list[int] | None = None, device: str = "cpu",
               chunk_rows: int | None = None, progress: bool = False) -> TopK:
    """Exact top-k over all ``shards`` (rows numbered consecutively unless ``starts`` is given)."""
    return _per_shard(queries, shards, starts, device, chunk_rows, progress, lambda rows: k, k)


def two_stage_topk(queries, shards: list[Any], k: int, top_percent: float, starts: list[int] | None = None,
                   device: str = "cpu", chunk_rows: int | None = None, progress: bool = False) -> TopK:
    """CRAFT's search: per shard keep the top ``top_percent`` % rows per query, then the global top-k."""
    if not 0 < top_percent <= 100:
        raise ValueError(f"top_percent must lie in (0, 100], got {top_percent}; CRAFT used 5")

    def keep(rows: int) -> int:
        return max(1, math.ceil(rows * top_percent / 100))

    return _per_shard(queries, shards, starts, device, chunk_rows, progress, keep, k)


def search(queries, shards: list[Any], k: int, top_percent: float | None = None, **kwargs) -> TopK:
    """Exact top-k, or CRAFT's two-stage top-k when ``top_percent`` is given."""
    if top_percent is None:
        return exact_topk(queries, shards, k, **kwargs)
    return two_stage_topk(queries, shards, k, top_percent, **kwargs)


@dataclass
class MixedRetrieval:
    """CRAFT's mixed retrieval: unique global rows, the similarity that chose each, and how.

    ``strategy[i]`` is ``"few-shot"`` (chosen by its own similarity to one few-shot, ``shot[i]``)
    or ``"mean"`` (chosen by similarity to the normalised mean few-shot embedding; ``shot[i] = -1``).
    """

    rows: np.ndarray
    scores: np.ndarray
    strategy: np.ndarray
    shot: np.ndarray


def mixed_queries(fewshots) -> np.ndarray:
    """The queries of a mixed retrieval: every few-shot embedding, then their normalised mean (last row)."""
    shots = np.asarray(fewshots, np.float32)
    mean = shots.mean(axis=0)
    mean /= np.linalg.norm(mean) or 1.0
    return np.vstack([shots, mean[None]])


def mixed_retrieval(fewshots, shards: list[Any], n_docs: int, few_shot_share: float = 0.5,
                    top_percent: float | None = None, **kwargs) -> MixedRetrieval:
    """Retrieve ``n_docs`` unique documents: a ``few_shot_share`` by per-few-shot similarity, the rest by the mean.

    The per-few-shot part takes each few-shot's ranked list in turn (round robin), skipping rows
    already taken, so every few-shot contributes about equally; the mean part then adds the best
    rows for the mean embedding that are not yet taken. One scan serves both (m + 1 queries).
    """
    total = sum(int(s.shape[0]) for s in shards)
    n_docs = min(n_docs, total)
    top = search(mixed_queries(fewshots), shards, n_docs, top_percent=top_percent, **kwargs)
    return mix(top, n_docs, few_shot_share)


def mix(top: TopK, n_docs: int, few_shot_share: float = 0.5) -> MixedRetrieval:
    """Combine a top-k of :func:`mixed_queries` (few-shot rows, then the mean's row) into a mixed retrieval."""
    n_docs = min(n_docs, top.k)
    n_shot = round(n_docs * few_shot_share)
    taken: dict[int, tuple[float, str, int]] = {}
    _round_robin(top.rows[:-1], top.scores[:-1], n_shot, taken)
    for row, score in zip(top.rows[-1].tolist(), top.scores[-1].tolist(), strict=False):
        if len(taken) >= n_docs:
            break
        taken.setdefault(row, (score, "mean", -1))
    rows = np.fromiter(taken, dtype=np.int64, count=len(taken))
    values = list(taken.values())
    return MixedRetrieval(rows=rows, scores=np.array([v[0] for v in values], np.float32),
                          strategy=np.array([v[1] for v in values]), shot=np.array([v[2] for v in values]))


# -- internals ---------------------------------------------------------------------------------

def _per_shard(queries, shards, starts, device, chunk_rows, progress, keep, k) -> TopK:
    from tqdm.auto import tqdm

    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not shards:
        raise ValueError("no shards to search; build a store first (synthlib.retrieval.store.build_store)")
    starts = starts if starts is not None else np.cumsum([0] + [int(s.shape[0]) for s in shards[:-1]]).tolist()
    parts = [shard_topk(queries, shard, keep(int(shard.shape[0])), start, device, chunk_rows)
             for shard, start in tqdm(list(zip(shards, starts, strict=False)), desc="shards", disable=not progress)]
    return merge_topk(parts, k)


def _queries_tensor(queries, device: str):
    import torch

    q = torch.as_tensor(np.asarray(queries, dtype=np.float32))
    if q.ndim == 1:
        q = q[None]
    return q.to(device)


def _rows_tensor(shard, begin: int, end: int, device: str):
    import torch

    if isinstance(shard, torch.Tensor):
        return shard[begin:end].to(device).float()
    with warnings.catch_warnings():
        # memory-mapped shards are read-only; the tensor is only read, never written
        warnings.simplefilter("ignore", UserWarning)
        block = torch.from_numpy(shard[begin:end])
    if device != "cpu":
        block = block.to(device, non_blocking=True)
    return block.float()


# Bounds on |approximate score - exact float32 score| for unit vectors (u = unit roundoff).
# fp16 matrix-vector (one query): the query rounded to fp16 moves a score by at most u16 = 2**-11,
# the fp16 output rounding by at most u16 * |score| <= u16; fp32 accumulation adds ~dim * 2**-24.
# bf16 matrix product (a batch): rows and queries rounded to bf16 move a score by at most
# (2 u + u**2) with u = 2**-8, the bf16 output rounding by u more. Both get a margin on top.
APPROX_ERROR = {"fp16": 2.5e-3, "bf16": 1.25e-2}


def _rescored_topk(q, shard, k: int, start: int, chunk_rows: int | None) -> TopK:
    """Exact top-k on CPU from a fast low-precision pass plus exact float32 re-scoring of its candidates.

    One query takes an fp16 matrix-vector pass (memory-bound: it reads the fp16 store once); a
    batch takes a bf16 matrix product (oneDNN's fast path on CPUs without fp16 arithmetic). Every
    row whose approximate score is within ``2 * error`` of the approximate k-th score is kept as a
    candidate: a row of the true top-k always is (its approximate score is at least the true k-th
    score minus ``error``, which is at least the approximate k-th minus ``2 * error``). The
    candidates are then scored exactly in float32, so the result equals the exact search.
    """
    import torch

    from synthlib.retrieval.quantized import rescore

    n = int(shard.shape[0])
    single = q.shape[0] == 1
    error = APPROX_ERROR["fp16" if single else "bf16"]
    chunk = chunk_rows or (1 << 18 if single else 1 << 15)
    q_low = q.half() if single else q.to(torch.bfloat16)
    best = None
    found: list = []  # (query index, local row) tensors of candidates
    with torch.inference_mode():
        for begin in range(0, n, chunk):
            block = _raw_rows(shard, begin, min(begin + chunk, n))
            if single:
                scores = torch.mv(block, q_low[0])[None].float()
            else:
                scores = (q_low @ block.to(torch.bfloat16).T).float()
            values, index = scores.topk(min(k, scores.shape[1]), dim=1)
            best = values if best is None else torch.cat([best, values], dim=1).topk(min(k, best.shape[1] +
                                                                                        values.shape[1]), dim=1)[0]
            # the k-th approximate score so far only rises, so this line is never above the final one
            line = best[:, -1:] - 2 * error if best.shape[1] >= k else torch.full_like(best[:, -1:], -float("inf"))
            hit = torch.nonzero(scores >= line)
            hit[:, 1] += begin
            found.append(hit)
    hits = torch.cat(found).numpy()
    return rescore(q, shard, hits[:, 0], hits[:, 1], min(k, n), start)


def _native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX); else fp32 products are faster.

    On CPUs without it (e.g. Cascade Lake) oneDNN emulates bf16 and a batch gains nothing from the
    low-precision pass, so batches there take the plain float32 path.
    """
    import torch

    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check() for check in checks if check is not None)


def _raw_rows(shard, begin: int, end: int):
    import torch

    if isinstance(shard, torch.Tensor):
        return shard[begin:end].cpu().half()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # read-only memmap, only read
        return torch.from_numpy(shard[begin:end]).half()


def _merge(scores_a, rows_a, scores_b, rows_b, k: int):
    import torch

    scores = torch.cat([scores_a, scores_b], dim=1)
    rows = torch.cat([rows_a, rows_b], dim=1)
    values, index = scores.topk(min(k, scores.shape[1]), dim=1)
    return values, torch.gather(rows, 1, index)


def _round_robin(rows: np.ndarray, scores: np.ndarray, quota: int, taken: dict) -> None:
    depth = [0] * rows.shape[0]
    while len(taken) < quota and any(d < rows.shape[1] for d in depth):
        for shot in range(rows.shape[0]):
            while depth[shot] < rows.shape[1] and int(rows[shot, depth[shot]]) in taken:
                depth[shot] += 1
            if depth[shot] < rows.shape[1] and len(taken) < quota:
                taken[int(rows[shot, depth[shot]])] = (float(scores[shot, depth[shot]]), "few-shot", shot)
                depth[shot] += 1
