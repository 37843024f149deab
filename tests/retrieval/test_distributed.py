"""The Dask mapping gives the same store and the same top-k as the single-process path."""

import numpy as np
import pytest

from synthlib.retrieval.distributed import distributed_build, distributed_topk
from synthlib.retrieval.search import exact_topk, two_stage_topk
from synthlib.retrieval.store import StoreRecipe, build_store

from .test_store import hashed_embed, sources  # noqa: F401  (fixture)


@pytest.fixture
def recipe(sources):  # noqa: F811
    return StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=4)


def test_dask_build_and_search_equal_the_single_process_path(tmp_path, recipe):
    single = build_store(recipe, embed=hashed_embed, path=tmp_path / "single", progress=False)
    mapped = distributed_build(recipe, scheduler="threads", embed=hashed_embed, path=tmp_path / "dask",
                               shards_in_flight=3)
    assert mapped.complete and [s.start for s in mapped.shards] == single.starts()
    np.testing.assert_array_equal(np.vstack(mapped.shard_embeddings()), np.vstack(single.shard_embeddings()))
    queries = hashed_embed(["query one", "query two", "query three"])
    for k in (1, 5, 30):
        ours = distributed_topk(queries, mapped, k, scheduler="threads", fan_in=2)
        reference = exact_topk(queries, single.shard_embeddings(int8=True), k)  # CPU workers use the int8 codes
        np.testing.assert_allclose(ours.scores, exact_topk(queries, single.shard_embeddings(), k).scores, atol=1e-6)
        np.testing.assert_array_equal(ours.rows, reference.rows)
        np.testing.assert_array_equal(ours.scores, reference.scores)
    two = distributed_topk(queries, mapped, 10, top_percent=30, scheduler="sync")
    np.testing.assert_array_equal(two.rows, two_stage_topk(queries, single.shard_embeddings(int8=True), 10, 30).rows)


@pytest.mark.slow
def test_on_a_local_dask_cluster(tmp_path, recipe):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            store = distributed_build(recipe, client=client, embed=hashed_embed, path=tmp_path / "store")
            queries = hashed_embed(["a query"])
            ours = distributed_topk(queries, store, 7, client=client)
    reference = exact_topk(queries, store.shard_embeddings(int8=True), 7)
    np.testing.assert_array_equal(ours.rows, reference.rows)
    assert store.n_docs == 30 and len(store.shards) == 8
