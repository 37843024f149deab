"""CRAFT's retrieval: the corpus store (built once, cached, resumable) and the mixed few-shot search.

The few-shots' texts are embedded with the store's encoder; half of the documents come from each
few-shot's own ranking (round robin), half from the ranking of the mean few-shot embedding
(:func:`synthlib.retrieval.search.mixed_retrieval`). With ``dask`` the store is built and searched
one shard per Dask task (:mod:`synthlib.retrieval.distributed`); results are the same.
"""

from __future__ import annotations

from typing import Any

from synthlib.retrieval.store import CorpusStore, StoreRecipe


def recipe(config: Any) -> StoreRecipe:
    """The store recipe of ``config`` (its hash names the cached store folder)."""
    return StoreRecipe(sources=tuple(config.corpus), embedder=config.embedder, max_seq_length=config.max_seq_length,
                       max_docs=config.max_docs, shard_size=config.shard_size)


def open_store(config: Any, embed=None, root=None) -> CorpusStore:
    """Build (first time; a killed build resumes) or open the corpus store of ``config``."""
    if config.dask:
        from synthlib.retrieval.distributed import distributed_build

        return distributed_build(recipe(config), scheduler="threads", embed=embed, root=root)
    from synthlib.retrieval.store import build_store

    return build_store(recipe(config), embed=embed, root=root, progress=True)


def embed_texts(config: Any, texts: list[str]):
    """Unit-norm embeddings of ``texts`` with the store's encoder."""
    from synthlib.retrieval.embedder import load_embedder

    return load_embedder(config.embedder, config.max_seq_length).encode(texts)


def retrieve(store: CorpusStore, shot_vectors, n_docs: int, config: Any) -> list[dict]:
    """``n_docs`` unique documents for the few-shots, mixed as CRAFT does; each with how it was found."""
    import numpy as np

    from synthlib.retrieval.search import mix, mixed_queries, mixed_retrieval, resolve_device

    top_percent = config.top_percent or None
    n_docs = min(n_docs, store.n_docs)
    if config.dask:
        from synthlib.retrieval.distributed import distributed_topk

        top = distributed_topk(mixed_queries(shot_vectors), store, n_docs, top_percent, scheduler="threads")
        found = mix(top, n_docs, config.few_shot_share)
    else:
        device = resolve_device("auto")
        found = mixed_retrieval(np.asarray(shot_vectors, np.float32), store.shard_embeddings(int8=device == "cpu"),
                                n_docs, config.few_shot_share, top_percent, starts=store.starts(), device=device,
                                progress=True)
    docs = store.documents(found.rows)
    return [{"id": d.id, "title": d.title, "text": d.text, "score": float(score), "strategy": str(strategy),
             "shot": int(shot)}
            for d, score, strategy, shot in zip(docs, found.scores, found.strategy, found.shot, strict=True)]


def strategy_counts(documents: list[dict]) -> dict[str, int]:
    """How many documents each strategy (``few-shot``, ``mean``) contributed."""
    from collections import Counter

    return dict(Counter(d["strategy"] for d in documents))
