"""CRAFT's mixed retrieval on a small store: half of the documents per few-shot, half by the mean."""

from __future__ import annotations

import numpy as np

from synthlib.methods.craft import CraftConfig
from synthlib.methods.craft.retrieval import retrieve, strategy_counts
from synthlib.retrieval.documents import Document
from synthlib.retrieval.store import build_store


def _store(tmp_path, monkeypatch, n=300, dim=16):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [Document(id=f"x:{i}", title=f"t{i}", text=f"document {i} " + "text " * 60) for i in range(n)]
    lookup = {d.text: v for d, v in zip(docs, vectors, strict=True)}
    from synthlib.retrieval import store as store_module

    monkeypatch.setattr(store_module.StoreRecipe, "documents", lambda self: iter(docs))
    config = CraftConfig(max_docs=n, shard_size=64, top_percent=0.0)
    from synthlib.methods.craft.retrieval import recipe

    built = build_store(recipe(config), embed=lambda texts: np.stack([lookup[t] for t in texts]), root=tmp_path,
                        progress=False)
    return built, vectors, config


def test_mixed_retrieval_takes_half_per_fewshot_and_half_by_the_mean(tmp_path, monkeypatch):
    store, vectors, config = _store(tmp_path, monkeypatch)
    shots = vectors[:8] + 0.05  # near eight stored rows
    shots /= np.linalg.norm(shots, axis=1, keepdims=True)
    docs = retrieve(store, shots, 40, config)
    assert len(docs) == 40 and len({d["id"] for d in docs}) == 40
    assert strategy_counts(docs) == {"few-shot": 20, "mean": 20}
    per_shot = [d["shot"] for d in docs if d["strategy"] == "few-shot"]
    assert sorted(set(per_shot)) == list(range(8))  # round robin: every few-shot contributes
    assert max(per_shot.count(s) for s in range(8)) - min(per_shot.count(s) for s in range(8)) <= 1
    # the mean half is the best rows for the mean embedding that the first half did not take
    mean = shots.mean(axis=0)
    mean /= np.linalg.norm(mean)
    taken = {int(d["id"].split(":")[1]) for d in docs if d["strategy"] == "few-shot"}
    expected = [int(r) for r in np.argsort(-(vectors @ mean), kind="stable") if int(r) not in taken][:20]
    assert [int(d["id"].split(":")[1]) for d in docs if d["strategy"] == "mean"] == expected


def test_the_dask_path_retrieves_the_same_documents(tmp_path, monkeypatch):
    store, vectors, config = _store(tmp_path, monkeypatch)
    shots = vectors[10:18]
    local = retrieve(store, shots, 30, config)
    config.dask = True
    assert [d["id"] for d in retrieve(store, shots, 30, config)] == [d["id"] for d in local]
