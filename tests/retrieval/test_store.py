"""The corpus store: length filter, fp16 shards with ids and offsets, resumable builds, caching."""

import hashlib
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from synthlib.retrieval.documents import LengthWindow, iter_documents
from synthlib.retrieval.search import brute_force_topk, exact_topk
from synthlib.retrieval.store import CorpusStore, StoreRecipe, build_store, store_path


def hashed_embed(texts):
    """Deterministic unit vectors from the text's bytes (a real function, cheap enough for tests)."""
    out = np.zeros((len(texts), 16), np.float32)
    for i, text in enumerate(texts):
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little"))
        out[i] = rng.standard_normal(16)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def sources(tmp_path):
    """A JSONL and a Parquet corpus with documents of every length class."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lengths = [50, 250, 30_000, 400, 199, 200, 25_000, 25_001, 1_000] * 3
    rows = [{"id": i, "title": f"doc {i}", "text": (f"document {i} " + "x" * n)[:n]} for i, n in enumerate(lengths)]
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parquet = tmp_path / "wiki.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    return [str(jsonl), str(parquet)]


def test_length_window_is_inclusive_and_ids_carry_their_source(sources):
    docs = list(iter_documents(sources, LengthWindow(200, 25_000)))
    assert all(200 <= len(d.text) <= 25_000 for d in docs)
    assert len(docs) == 2 * 3 * 5  # 250, 400, 200, 25000, 1000 pass; 50, 30000, 199, 25001 do not
    assert docs[0].id == "news:1" and docs[-1].id.startswith("wiki:")
    capped = list(iter_documents(sources, max_docs=7))
    assert len(capped) == 7 and sum(d.id.startswith("news:") for d in capped) == 4


def test_store_round_trip_with_ids_offsets_and_memmapped_shards(tmp_path, sources):
    recipe = StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=7)
    store = build_store(recipe, embed=hashed_embed, root=tmp_path / "cache", progress=False)
    assert store.complete and store.n_docs == 30 and len(store.shards) == 5 and store.dim == 16
    shards = store.shard_embeddings()
    assert all(s.dtype == np.float16 and isinstance(s, np.memmap) for s in shards)
    expected = list(iter_documents(sources))
    rows = np.array([29, 0, 13, 7, 13])
    assert [d.id for d in store.documents(rows)] == [expected[r].id for r in rows]
    assert store.documents([6])[0].text == expected[6].text
    vectors = np.vstack(shards)
    np.testing.assert_allclose(vectors, hashed_embed([d.text for d in expected]), atol=1e-3)
    queries = hashed_embed(["a query", "another"])
    ours = exact_topk(queries, shards, 5, starts=store.starts())
    np.testing.assert_array_equal(ours.rows, brute_force_topk(queries, vectors, 5).rows)
    with pytest.raises(IndexError):
        store.documents([30])
    hits = store.search(queries, 5)  # ids, scores and texts in one call
    assert [[h.row for h in per_query] for per_query in hits] == ours.rows.tolist()
    assert hits[1][0].text == expected[ours.rows[1, 0]].text and hits[1][0].id == expected[ours.rows[1, 0]].id
    assert hits[0][0].score == pytest.approx(float(ours.scores[0, 0]))
    assert len(store.search(queries[0], 3, top_percent=50)[0]) == 3


def test_a_second_build_of_the_same_recipe_embeds_nothing(tmp_path, sources):
    recipe = StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=8)
    build_store(recipe, embed=hashed_embed, root=tmp_path, progress=False)

    def refuse(texts):
        raise AssertionError("a cached store must not embed again")

    again = build_store(recipe, embed=refuse, root=tmp_path, progress=False)
    assert again.path == store_path(recipe, tmp_path) and again.n_docs == 30
    other = StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=9)
    assert store_path(other, tmp_path) != again.path
    with pytest.raises(ValueError, match="another recipe"):
        build_store(other, embed=hashed_embed, path=again.path, progress=False)


def test_a_killed_build_resumes_from_the_last_finished_shard(tmp_path, sources):
    """Kill a real build process (SIGKILL) mid-way, then finish it here and compare with a clean build."""
    recipe = StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=4)
    path = tmp_path / "store"
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})
        from test_store import hashed_embed
        from synthlib.retrieval.store import StoreRecipe, build_store
        calls = []
        def embed(texts):
            calls.append(1)
            if len(calls) == 4:
                os.kill(os.getpid(), 9)  # dies while writing shard 3, after shards 0-2 are finished
            return hashed_embed(texts)
        build_store(StoreRecipe(sources={tuple(sources)!r}, embedder="hashed", shard_size=4), embed=embed,
                    path=__import__('pathlib').Path({str(path)!r}), progress=False)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    partial = CorpusStore.open(path)
    assert not partial.complete and [s.index for s in partial.shards] == [0, 1, 2]
    embedded = []

    def counting(texts):
        embedded.append(len(texts))
        return hashed_embed(texts)

    resumed = build_store(recipe, embed=counting, path=path, progress=False)
    assert resumed.complete and sum(embedded) == 30 - 12  # only the unfinished shards were embedded
    clean = build_store(recipe, embed=hashed_embed, path=tmp_path / "clean", progress=False)
    np.testing.assert_array_equal(np.vstack(resumed.shard_embeddings()), np.vstack(clean.shard_embeddings()))
    assert [d.id for d in resumed.documents(range(30))] == [d.id for d in clean.documents(range(30))]
    assert not list(path.glob("*.tmp"))


@pytest.mark.slow
def test_minilm_store_on_the_real_corpus_finds_a_document_by_its_own_text(tmp_path, use_mirror):
    from synthlib.retrieval.embedder import load_embedder

    recipe = StoreRecipe(sources=("wikinews",), max_seq_length=32, max_docs=48, shard_size=20)
    store = build_store(recipe, root=tmp_path, progress=False)
    assert store.dim == 384 and store.n_docs == 48
    doc = store.documents([33])[0]
    query = load_embedder("minilm", 32).encode([doc.text])
    top = exact_topk(query, store.shard_embeddings(), 3)
    assert top.rows[0, 0] == 33 and top.scores[0, 0] > 0.99


def test_stores_default_to_the_synthlib_cache_root(tmp_path, monkeypatch, sources):
    """Without a root, a store lands under ``retrieval/`` of synthlib's one cache (env var or home)."""
    recipe = StoreRecipe(sources=tuple(sources), embedder="hashed", shard_size=4)
    monkeypatch.delenv("SYNTHLIB_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store_path(recipe).parent == tmp_path / "home" / ".cache" / "synthlib" / "retrieval"
    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "elsewhere"))
    store = build_store(recipe, embed=hashed_embed, progress=False)
    assert store.path.parent == tmp_path / "elsewhere" / "retrieval"
