"""The int8 pass keeps every row of the exact top-k: results equal a NumPy brute force (ties aside)."""

import numpy as np
import pytest

from synthlib.retrieval.quantized import (
    QuantizedShard,
    _query_codes,
    encode_rows,
    int8_topk,
    quantized_shard,
)
from synthlib.retrieval.search import brute_force_topk, exact_topk, two_stage_topk
from synthlib.retrieval.store import save_npy_atomic
from tests.retrieval.test_search import assert_same_topk, unit_rows


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(11)
    docs = unit_rows(rng, 6000, dim=64)
    return QuantizedShard(docs, encode_rows(docs, chunk_rows=1000)), unit_rows(rng, 7, dim=64, dtype=np.float32)


@pytest.mark.parametrize("n_queries", [1, 7])
@pytest.mark.parametrize("chunk_rows", [None, 333])
def test_equals_brute_force(corpus, n_queries, chunk_rows):
    shard, queries = corpus
    ours = int8_topk(queries[:n_queries], shard, 40, chunk_rows=chunk_rows)
    assert_same_topk(ours, brute_force_topk(queries[:n_queries], shard.vectors, 40))


@pytest.fixture
def always_int8(monkeypatch):
    """Take the int8 pass on any shard size (by default it starts at 32k rows)."""
    from synthlib.retrieval import quantized

    monkeypatch.setattr(quantized, "MIN_ROWS", 0)


def test_small_shards_and_large_k_take_the_plain_scan():
    from synthlib.retrieval.quantized import pays_off

    assert pays_off(1_000_000, 100) and not pays_off(4096, 10) and not pays_off(100_000, 5000)


def test_search_entry_points_take_quantized_shards(corpus, always_int8, monkeypatch):
    from synthlib.retrieval import quantized

    calls = []
    real = quantized.int8_topk
    monkeypatch.setattr(quantized, "int8_topk", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    shard, queries = corpus
    half = QuantizedShard(shard.vectors[:2500], encode_rows(shard.vectors[:2500]))
    rest = QuantizedShard(shard.vectors[2500:], encode_rows(shard.vectors[2500:]))
    reference = brute_force_topk(queries, shard.vectors, 30)
    assert_same_topk(exact_topk(queries, [half, rest], 30), reference)
    # a 100% two-stage cut is the exact search
    assert_same_topk(two_stage_topk(queries, [half, rest], 30, top_percent=100.0), reference)
    assert len(calls) == 2  # the exact search took the int8 pass per shard; the 100% cut (k = rows) did not


def test_error_bound_holds_for_every_row():
    """|exact - approximate| <= E for every (query, row), including non-unit rows and a zero row."""
    import torch

    from synthlib.retrieval.quantized import _chunk_scores

    rng = np.random.default_rng(3)
    docs = (rng.standard_normal((3000, 96)) * rng.uniform(0.1, 3.0, (3000, 1))).astype(np.float16)
    docs[0] = 0
    docs[1, :] = docs[1, 0]  # every coordinate equal: no rounding slack at all
    queries = rng.standard_normal((5, 96)).astype(np.float32) * 2.5
    coded = encode_rows(docs)
    q_scale, q_codes, error = _query_codes(torch.from_numpy(queries), coded)
    approx = _chunk_scores(q_codes, q_scale, coded, 0, len(docs)).numpy()
    exact = queries.astype(np.float64) @ docs.astype(np.float64).T
    assert np.all(np.abs(exact - approx) <= error.numpy())
    # and the bound is useful: a few per cent of the largest possible score |x| max |d|
    largest = np.linalg.norm(queries, axis=1) * np.linalg.norm(docs.astype(np.float32), axis=1).max()
    assert np.all(error.numpy()[:, 0] < 0.03 * largest)


def test_near_ties_and_duplicates_stay_exact():
    """Hundreds of rows within the int8 error of the best one: only re-scoring can order them."""
    rng = np.random.default_rng(5)
    docs = unit_rows(rng, 4000, dim=64)
    query = unit_rows(rng, 1, dim=64, dtype=np.float32)
    near = query + rng.standard_normal((400, 64)).astype(np.float32) * 3e-3
    docs[:400] = (near / np.linalg.norm(near, axis=1, keepdims=True)).astype(np.float16)
    docs[400:410] = docs[0]  # exact duplicates tie; the lower row wins
    shard = QuantizedShard(docs, encode_rows(docs))
    ours = int8_topk(query, shard, 100)
    assert_same_topk(ours, brute_force_topk(query, docs, 100))
    assert set(ours.rows[0]) <= set(range(410))


def test_k_larger_than_shard_and_row_offsets():
    rng = np.random.default_rng(1)
    docs = unit_rows(rng, 20, dim=16)
    queries = unit_rows(rng, 3, dim=16, dtype=np.float32)
    ours = int8_topk(queries, QuantizedShard(docs, encode_rows(docs)), 50, start=1000)
    reference = brute_force_topk(queries, docs, 50)
    assert ours.rows.shape == (3, 20)
    assert_same_topk(ours, type(reference)(reference.scores, reference.rows + 1000))


def test_codes_are_saved_beside_the_shard_and_reused(tmp_path, always_int8):
    rng = np.random.default_rng(2)
    docs = unit_rows(rng, 500, dim=32)
    path = save_npy_atomic(tmp_path / "shard-00000.npy", docs)
    first = quantized_shard(path)
    assert (tmp_path / "shard-00000.q8.npy").is_file() and (tmp_path / "shard-00000.q8meta.npy").is_file()
    stamp = (tmp_path / "shard-00000.q8.npy").stat().st_mtime_ns
    second = quantized_shard(path)  # memory-mapped, not coded again
    assert (tmp_path / "shard-00000.q8.npy").stat().st_mtime_ns == stamp
    assert isinstance(second.int8.codes, np.memmap)
    np.testing.assert_array_equal(first.int8.codes, second.int8.codes)
    queries = unit_rows(rng, 4, dim=32, dtype=np.float32)
    assert_same_topk(exact_topk(queries, [second], 25), brute_force_topk(queries, docs, 25))
