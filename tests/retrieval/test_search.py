"""Exact search equals a NumPy brute force over the same fp16 embeddings (ties aside)."""

import numpy as np
import pytest

from synthlib.retrieval.search import (
    TopK,
    brute_force_topk,
    exact_topk,
    merge_topk,
    mixed_retrieval,
    search,
    two_stage_topk,
)
from synthlib.retrieval.store import save_npy_atomic

TIE = 1e-5  # float32 products in another summation order differ by ~1e-7


def unit_rows(rng, n, dim=48, dtype=np.float16):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(dtype)


def assert_same_topk(ours: TopK, reference: TopK):
    """Scores equal to float32 precision; rows equal wherever the score is not tied with a neighbour."""
    assert ours.scores.shape == reference.scores.shape
    np.testing.assert_allclose(ours.scores, reference.scores, rtol=0, atol=TIE)
    for q in range(ours.rows.shape[0]):
        s = reference.scores[q]
        gaps = np.abs(np.diff(s))
        tied = np.zeros(len(s), bool)
        tied[:-1] |= gaps < TIE
        tied[1:] |= gaps < TIE
        tied[-1] = True  # the last rank may tie with the first row left out; its score is still checked
        np.testing.assert_array_equal(ours.rows[q][~tied], reference.rows[q][~tied])
        assert set(ours.rows[q]) ^ set(reference.rows[q]) <= set(ours.rows[q][tied]) | set(reference.rows[q][tied])


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(7)
    return unit_rows(rng, 5000), unit_rows(rng, 6, dtype=np.float32)


def test_single_shard_equals_brute_force(corpus):
    docs, queries = corpus
    assert_same_topk(exact_topk(queries, [docs], 50, chunk_rows=777), brute_force_topk(queries, docs, 50))


def test_across_shard_boundaries_and_k_larger_than_a_shard(corpus):
    docs, queries = corpus
    shards = [docs[:300], docs[300:1000], docs[1000:1001], docs[1001:]]  # uneven, one single-row shard
    ours = exact_topk(queries, shards, 400, chunk_rows=128)  # k > size of the first three shards
    assert_same_topk(ours, brute_force_topk(queries, docs, 400))
    assert ours.rows.max() < len(docs) and len(np.unique(ours.rows[0])) == 400


def test_k_larger_than_the_corpus_returns_every_row(corpus):
    docs, queries = corpus
    small = docs[:37]
    ours = exact_topk(queries, [small[:20], small[20:]], 100)
    assert ours.k == 37
    assert_same_topk(ours, brute_force_topk(queries, small, 100))


def test_memory_mapped_shards_stream_and_match(tmp_path, corpus):
    docs, queries = corpus
    paths = []
    for i, (a, b) in enumerate([(0, 2000), (2000, 5000)]):
        paths.append(save_npy_atomic(tmp_path / f"s{i}.npy", docs[a:b]))
    shards = [np.load(p, mmap_mode="r") for p in paths]
    assert all(isinstance(s, np.memmap) for s in shards)
    assert_same_topk(exact_topk(queries, shards, 64, chunk_rows=500), brute_force_topk(queries, docs, 64))


def test_single_query_vector(corpus):
    docs, queries = corpus
    assert_same_topk(exact_topk(queries[0], [docs], 10), brute_force_topk(queries[:1], docs, 10))


def test_two_stage_with_100_percent_equals_exact(corpus):
    docs, queries = corpus
    shards = [docs[:1200], docs[1200:3100], docs[3100:]]
    exact = exact_topk(queries, shards, 300)
    two = two_stage_topk(queries, shards, 300, top_percent=100)
    np.testing.assert_array_equal(two.rows, exact.rows)
    np.testing.assert_array_equal(two.scores, exact.scores)


def test_two_stage_keeps_only_the_top_percent_of_each_shard(corpus):
    docs, queries = corpus
    shards = [docs[:2500], docs[2500:]]
    two = two_stage_topk(queries, shards, 200, top_percent=2)  # 50 per shard survive, 100 in all
    assert two.k == 100
    for shard_start, shard in zip((0, 2500), shards, strict=False):
        inside = brute_force_topk(queries, shard, 50)
        for q in range(len(queries)):
            chosen = two.rows[q][(two.rows[q] >= shard_start) & (two.rows[q] < shard_start + len(shard))]
            assert set(chosen - shard_start) == set(inside.rows[q])
    assert search(queries, shards, 200, top_percent=2).rows.tolist() == two.rows.tolist()


def test_merge_is_deterministic_and_rejects_empty_input():
    a = TopK(np.array([[0.9, 0.5]], np.float32), np.array([[3, 1]]))
    b = TopK(np.array([[0.7, 0.5]], np.float32), np.array([[8, 0]]))
    merged = merge_topk([b, a], 3)
    assert merged.rows.tolist() == [[3, 8, 0]]  # the tie at 0.5 is broken by the smaller row
    with pytest.raises(ValueError, match="nothing to merge"):
        merge_topk([], 3)
    with pytest.raises(ValueError, match="top_percent"):
        two_stage_topk(np.zeros((1, 2), np.float32), [np.zeros((3, 2), np.float16)], 1, top_percent=0)


def test_mixed_retrieval_splits_half_per_few_shot_and_half_by_the_mean(corpus):
    docs, _ = corpus
    rng = np.random.default_rng(3)
    shots = unit_rows(rng, 4, dtype=np.float32)
    mixed = mixed_retrieval(shots, [docs[:2000], docs[2000:]], n_docs=40)
    assert len(mixed.rows) == 40 and len(set(mixed.rows.tolist())) == 40
    assert (mixed.strategy == "few-shot").sum() == 20 and (mixed.strategy == "mean").sum() == 20
    assert sorted(np.bincount(mixed.shot[mixed.shot >= 0])) == [5, 5, 5, 5]
    # each few-shot's picks are its own best rows, in order
    best0 = brute_force_topk(shots[:1], docs, 5).rows[0]
    assert set(mixed.rows[mixed.shot == 0]) <= set(brute_force_topk(shots[:1], docs, 40).rows[0])
    assert mixed.rows[mixed.shot == 0][0] == best0[0]
    # the mean part holds the mean embedding's best rows not already taken
    mean = shots.mean(0) / np.linalg.norm(shots.mean(0))
    ranked = [r for r in brute_force_topk(mean[None], docs, 40).rows[0] if r not in set(mixed.rows[mixed.shot >= 0])]
    assert set(mixed.rows[mixed.strategy == "mean"]) == set(ranked[:20])


@pytest.mark.gpu
def test_cuda_equals_brute_force(corpus):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    docs, queries = corpus
    shards = [docs[:2000], torch.from_numpy(docs[2000:]).cuda()]
    assert_same_topk(exact_topk(queries, shards, 100, device="cuda"), brute_force_topk(queries, docs, 100))


@pytest.mark.parametrize("n_queries", [1, 4])  # fp16 matrix-vector pass, bf16 matrix-product pass
def test_low_precision_pass_stays_exact_through_near_ties(tmp_path, n_queries):
    rng = np.random.default_rng(5)
    docs = unit_rows(rng, 4000)
    queries = unit_rows(rng, n_queries, dtype=np.float32)
    query = queries[:1]
    # 300 rows within the fp16 error band of each other at the top: the candidate list must widen
    best = brute_force_topk(query, docs, 1).rows[0, 0]
    noise = rng.standard_normal((300, docs.shape[1])).astype(np.float32) * 2e-4
    near = docs[best].astype(np.float32) + noise
    docs[:300] = (near / np.linalg.norm(near, axis=1, keepdims=True)).astype(np.float16)
    path = save_npy_atomic(tmp_path / "near.npy", docs)
    import torch

    from synthlib.retrieval.search import _rescored_topk

    shard = np.load(path, mmap_mode="r")
    reference = brute_force_topk(queries, docs, 50)
    # the low-precision pass itself (batches use it only on CPUs with bf16 hardware) and the public entry
    direct = _rescored_topk(torch.from_numpy(queries), shard, 50, 0, chunk_rows=1000)
    assert_same_topk(direct, reference)
    ours = exact_topk(queries, [shard], 50, chunk_rows=1000)
    assert_same_topk(ours, reference)
    assert set(ours.rows[0]) <= set(range(300)) | {best}


def test_low_precision_error_bounds_hold_for_this_torch_build():
    """The margins the exact re-scoring relies on hold, including for scores near 1 (row = query)."""
    import torch

    from synthlib.retrieval.search import APPROX_ERROR

    rng = np.random.default_rng(9)
    docs = unit_rows(rng, 3000, dim=384)
    queries = unit_rows(rng, 8, dim=384, dtype=np.float32)
    docs[:8] = queries.astype(np.float16)  # scores close to 1
    docs[8:16] = np.abs(docs[8:16])  # all-positive rows and queries: no cancellation to hide errors
    queries[4:] = np.abs(queries[4:])
    exact = queries @ docs.astype(np.float32).T
    bf16 = (torch.from_numpy(queries).bfloat16() @ torch.from_numpy(docs).bfloat16().T).float().numpy()
    fp16 = torch.mv(torch.from_numpy(docs), torch.from_numpy(queries[0]).half()).float().numpy()
    assert np.abs(bf16 - exact).max() < APPROX_ERROR["bf16"] / 2
    assert np.abs(fp16 - exact[0]).max() < APPROX_ERROR["fp16"] / 2
