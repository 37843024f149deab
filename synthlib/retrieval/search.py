"""Exact top-k by inner product over fp16 shards, CRAFT's two-stage search and its 50/50 mix.

Embeddings are unit-norm, so the inner product is the cosine similarity. Shards are float16
arrays (in memory or memory-mapped ``.npy`` files, see :mod:`synthlib.retrieval.store`) or torch
tensors already on a device. Each shard is scanned in chunks of rows: a chunk is upcast to float32
(exact for float16 values), multiplied with the float32 queries, and its top-k merged into a
running top-k, so memory stays at one chunk however large the shard. Float32 products make the
scores equal to a NumPy float32 brute force up to summation order (about 1e-7), so results match
it exactly except where two scores tie at that precision.

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

    device = resolve_device(device)
    q = _queries_tensor(queries, device)
    n = int(shard.shape[0])
    if q.shape[0] == 1 and device == "cpu" and n > 4 * k:
        return _single_query_topk(q, shard, k, start, chunk_rows)
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


def mixed_retrieval(fewshots, shards: list[Any], n_docs: int, few_shot_share: float = 0.5,
                    top_percent: float | None = None, **kwargs) -> MixedRetrieval:
    """Retrieve ``n_docs`` unique documents: a ``few_shot_share`` by per-few-shot similarity, the rest by the mean.

    The per-few-shot part takes each few-shot's ranked list in turn (round robin), skipping rows
    already taken, so every few-shot contributes about equally; the mean part then adds the best
    rows for the mean embedding that are not yet taken. One scan serves both (m + 1 queries).
    """
    shots = np.asarray(fewshots, np.float32)
    mean = shots.mean(axis=0)
    mean /= np.linalg.norm(mean) or 1.0
    total = sum(int(s.shape[0]) for s in shards)
    n_docs = min(n_docs, total)
    top = search(np.vstack([shots, mean[None]]), shards, n_docs, top_percent=top_percent, **kwargs)
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


# Bound on |fp16 matrix-vector score - exact float32 score| for unit vectors: the query rounded to
# fp16 moves a score by at most u = 2**-11, rounding the fp16 output by at most u * |score| <= u,
# fp32 accumulation by ~dim * 2**-24. 2.5e-3 leaves more than twice that as margin.
FP16_SCORE_ERROR = 2.5e-3


def _single_query_topk(q, shard, k: int, start: int, chunk_rows: int | None) -> TopK:
    """One query on CPU: a bandwidth-bound fp16 pass finds candidates, float32 re-scoring makes them exact.

    A row of the true top-k has an approximate score within ``2 * FP16_SCORE_ERROR`` of the
    approximate k-th score, so keeping every row above that line and re-scoring it exactly gives
    the exact top-k; the candidate list grows until it provably holds all such rows.
    """
    import torch

    n = int(shard.shape[0])
    chunk = chunk_rows or 1 << 18
    q16 = q[0].half()
    width = min(n, 2 * k + 64)
    while True:
        best_scores = best_rows = None
        with torch.inference_mode():
            for begin in range(0, n, chunk):
                scores = torch.mv(_raw_rows(shard, begin, min(begin + chunk, n)), q16)
                values, index = scores.float().topk(min(width, scores.shape[0]))
                index += begin
                if best_scores is None:
                    best_scores, best_rows = values[None], index[None]
                else:
                    best_scores, best_rows = _merge(best_scores, best_rows, values[None], index[None], width)
        kth = best_scores[0, k - 1].item()
        if width >= n or best_scores[0, -1].item() < kth - 2 * FP16_SCORE_ERROR:
            break
        width = min(n, width * 4)  # ties within the error band: look deeper
    rows = np.sort(best_rows[0].numpy())
    candidates = torch.from_numpy(np.asarray(shard[rows], dtype=np.float32))
    exact = (candidates @ q[0]).numpy()
    order = np.lexsort((rows, -exact))[:k]
    return TopK(scores=exact[order][None].astype(np.float32), rows=(rows[order] + start)[None].astype(np.int64))


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
