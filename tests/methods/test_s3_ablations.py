"""S3's ablations when the teacher wrote nothing usable for a set (a real small teacher does)."""

import numpy as np

from synthlib.methods.s3 import ablations
from synthlib.methods.s3.ablations import S3CoverageConfig, coverage_map
from synthlib.methods.s3.method import TaskData
from synthlib.methods.s3.tasks import spec


class RandomEncoder:
    """Stands for MiniLM: a fixed random unit vector per text."""

    def encode(self, texts, normalize_embeddings=True, show_progress_bar=False):
        rng = np.random.default_rng(0)
        vectors = rng.normal(size=(len(texts), 8))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def rows(prefix: str, count: int) -> list[dict]:
    return [{"text": f"{prefix} review number {i}", "label": i % 2} for i in range(count)]


def test_coverage_leaves_out_a_set_without_samples():
    config = S3CoverageConfig(profile="smoke", points=20, perplexity=5.0)
    sets = {"gold": rows("gold", 12), "S3": rows("s3", 10), "ZeroGen": []}
    frame, shares = coverage_map(sets, "text", RandomEncoder(), config)
    assert set(shares) == {"S3"} and 0.0 <= shares["S3"] <= 100.0
    assert set(frame["set"]) == {"gold", "S3"} and len(frame) == 22


def test_transferability_skips_the_zerogen_loop_when_zerogen_wrote_nothing(monkeypatch):
    imdb = spec("imdb")
    data = TaskData(imdb, rows("probe", 8), rows("test", 8))
    data.sets["s3"] = [{**r, "round": 1} for r in rows("ees", 6)]
    monkeypatch.setattr(ablations, "open_teacher", lambda name: None)
    monkeypatch.setattr(ablations, "synthesize_task", lambda *args, **kwargs: data)
    monkeypatch.setattr(ablations, "_save_sets", lambda *args: None)
    monkeypatch.setattr("synthlib.methods.s3.synthesis.seed_plain", lambda *args, **kwargs: ([], {}))

    def no_loop(*args, **kwargs):
        raise AssertionError("a loop on an empty ZeroGen set")

    monkeypatch.setattr("synthlib.methods.s3.method.FeedbackLoop", no_loop)
    trained = {}

    def scores(data, config, progress):
        trained.update(data.sets)
        return [{"task": "imdb", "method": name, "train_rows": len(r)} for name, r in data.sets.items()]

    monkeypatch.setattr(ablations, "train_and_score", scores)
    config = ablations.S3Config(profile="smoke", tasks=["imdb"], replication=False)
    messages = []
    result = ablations.transferability(config, progress=messages.append)
    assert {name: len(r) for name, r in trained.items()} == {"zerogen": 0, "+ourAdd": 6, "+synAdd": 0}
    assert list(result.table["method"]) == ["zerogen", "+ourAdd", "+synAdd"]
    assert any("too few for a student" in m for m in messages)
    assert all("no EES rounds" in m for m in messages if "too few" in m)
