"""Scale past one machine: the store's shard functions mapped over a Dask cluster.

The single-process code already works shard by shard; here each shard becomes a Dask task:

* :func:`distributed_build` embeds shards in parallel (one task per shard; a GPU worker each with
  ``dask-cuda``) and writes them to storage every worker sees (NFS, Lustre, a mounted bucket).
  The driver reads the documents, hands out batches and records finished shards in the manifest
  as they land, so a killed build resumes exactly like :func:`synthlib.retrieval.store.build_store`.
* :func:`distributed_topk` runs :func:`synthlib.retrieval.search.shard_topk` next to each shard
  file (memory-mapped by the worker) and merges the partial top-k in a tree, so the driver never
  holds more than ``fan_in`` partial results at a time.

Pass a ``distributed.Client`` for a cluster (``Client("tcp://scheduler:8786")``) or leave it out
to use Dask's local schedulers (``scheduler="threads"``, ``"processes"``, ``"sync"``); results are
identical to the single-process path either way.
"""

from __future__ import annotations

import math
from itertools import islice
from pathlib import Path
from typing import Any

from synthlib.retrieval.search import TopK, merge_topk, shard_topk
from synthlib.retrieval.store import (
    CorpusStore,
    EmbedFn,
    ShardInfo,
    StoreRecipe,
    default_embedder,
    finish_store,
    open_or_create,
    record_shard,
    store_path,
    write_shard,
)


def _compute(tasks: list, client: Any = None, scheduler: str | None = None) -> list:
    import dask

    if client is not None:
        return client.gather(client.compute(tasks))
    return list(dask.compute(*tasks, scheduler=scheduler or "threads"))


def _search_shard(queries, path: str, k: int, start: int, device: str, chunk_rows: int | None) -> TopK:
    import numpy as np

    from synthlib.retrieval.quantized import quantized_shard

    # on CPU workers the shard's int8 codes (made once, saved beside it) make the exact scan several times faster
    shard = quantized_shard(path) if device == "cpu" else np.load(path, mmap_mode="r")
    return shard_topk(queries, shard, k, start=start, device=device, chunk_rows=chunk_rows)


def distributed_topk(queries, store: CorpusStore, k: int, top_percent: float | None = None, client: Any = None,
                     scheduler: str | None = None, device: str = "cpu", chunk_rows: int | None = None,
                     fan_in: int = 16) -> TopK:
    """Exact (or CRAFT two-stage, with ``top_percent``) top-k over ``store``, one Dask task per shard."""
    import dask
    import numpy as np

    queries = np.asarray(queries, np.float32)
    tasks = []
    for info in store.shards:
        keep = k if top_percent is None else max(1, math.ceil(info.rows * top_percent / 100))
        tasks.append(dask.delayed(_search_shard)(queries, str(store.path / f"{info.stem}.npy"), keep, info.start,
                                                 device, chunk_rows))
    while len(tasks) > 1:  # tree merge: each level merges groups of fan_in partial results
        tasks = [dask.delayed(merge_topk)(tasks[i:i + fan_in], k) for i in range(0, len(tasks), fan_in)]
    (result,) = _compute(tasks, client, scheduler)
    return merge_topk([result], k)


def _embed_shard(path: str, index: int, batch: list, recipe: StoreRecipe, embed: EmbedFn | None) -> tuple[int, int]:
    rows = write_shard(Path(path), index, batch, embed or default_embedder(recipe))
    return index, rows


def distributed_build(recipe: StoreRecipe, client: Any = None, scheduler: str | None = None,
                      embed: EmbedFn | None = None, path: Path | None = None, root: Path | None = None,
                      shards_in_flight: int = 8) -> CorpusStore:
    """Build ``recipe``'s store with one Dask task per shard, ``shards_in_flight`` at a time."""
    import dask

    path = Path(path) if path else store_path(recipe, root)
    store = open_or_create(path, recipe)
    if store.complete:
        return store
    done = {s.index for s in store.shards}
    docs = recipe.documents()
    start = index = 0
    wave: list[tuple[Any, ShardInfo]] = []
    while batch := list(islice(docs, recipe.shard_size)):
        if index not in done:
            task = dask.delayed(_embed_shard)(str(path), index, batch, recipe, embed)
            wave.append((task, ShardInfo(index=index, start=start, rows=len(batch))))
        start += len(batch)
        index += 1
        if len(wave) >= shards_in_flight:
            _finish_wave(store, wave, client, scheduler)
            wave = []
    _finish_wave(store, wave, client, scheduler)
    return finish_store(store, recipe)


def _finish_wave(store: CorpusStore, wave: list, client: Any, scheduler: str | None) -> None:
    if not wave:
        return
    results = _compute([task for task, _ in wave], client, scheduler)
    for (index, rows), (_, info) in zip(results, wave, strict=False):
        if rows != info.rows or index != info.index:
            raise RuntimeError(f"shard {info.index} came back with {rows} rows, expected {info.rows}")
        record_shard(store, info)
