"""Corpus retrieval at CRAFT scale: fp16 embedding shards, exact top-k, two-stage and mixed search.

Modules (each imports numpy/torch only when used, so ``import synthlib.retrieval`` stays cheap):

* :mod:`synthlib.retrieval.embedder`: sentence-transformers encoders (MiniLM offline, hub ids, paths).
* :mod:`synthlib.retrieval.documents`: read corpora (catalog names, JSONL, Parquet), length filter.
* :mod:`synthlib.retrieval.store`: documents -> fp16 ``.npy`` shards + ids/offsets, resumable, cached.
* :mod:`synthlib.retrieval.search`: exact chunked top-k (CPU/CUDA, memmapped shards), CRAFT's
  two-stage search and its 50/50 per-few-shot / mean-embedding mix.
* :mod:`synthlib.retrieval.distributed`: the same shard functions mapped over a Dask cluster.
"""
