"""S3 saves each synthetic training set as a dataset: the rows the student trained on, lineage, card."""

from __future__ import annotations

import datasets

from synthlib.methods.s3 import S3Config, run
from synthlib.methods.s3.learners import BagOfWordsLearner
from synthlib.runs import open_run
from synthlib.runs.datasets import read_card


def test_load_from_disk_gives_the_training_rows_with_lineage_and_a_card(use_mirror, monkeypatch):
    fitted: list[list[dict]] = []

    class Recording(BagOfWordsLearner):
        def fit(self, rows):
            fitted.append(list(rows))
            return super().fit(rows)

    monkeypatch.setattr("synthlib.methods.s3.method.make_learner", lambda task, settings: Recording(task))
    config = S3Config.from_profile("smoke", {"tasks": ["rte"], "methods": ["s3", "zerogen", "gold"],
                                             "seed_size": 12, "probe_rows": 24, "test_rows": 8, "rounds": 1,
                                             "replication": False})
    run_dir = open_run(config)
    result = run(config, run_dir, progress=lambda message: None)
    saved = sorted(p.name for p in (run_dir.path / "datasets").iterdir())
    assert saved == ["rte-s3", "rte-zerogen"]  # gold is real data, not saved as synthetic
    trained = {tuple(r["id"] for r in rows) for rows in fitted}
    for name, method in (("rte-s3", "s3"), ("rte-zerogen", "zerogen")):
        folder = run_dir.path / "datasets" / name
        loaded = datasets.load_from_disk(str(folder))
        rows = result.data["rte"].sets[method]
        assert tuple(loaded["id"]) in trained and loaded["id"] == [r["id"] for r in rows]
        assert loaded["text2"] == [r["text2"] for r in rows] and loaded["label"] == [r["label"] for r in rows]
        assert all(loaded["request_key"]) and set(loaded["round"]) <= {0, 1}
        card = read_card(folder)["synthlib"]
        assert card["teacher"]["backend"] == "scripted" and card["method"] == f"s3/{method}"
        assert card["lineage_columns"] == {"round": "round", "parent": "parent_id", "teacher_call": "request_key"}
        assert card["student"]["model"] == config.student and card["sampling"]["temperature"] == config.temperature
        assert card["rows"] == len(rows) and "rte" in card["source_licences"] and "STAND-IN" in card["notes"]
        kept = sum(step["kept"] for step in card["filters"].values())
        assert kept >= len(rows) and all("reasons" in step for step in card["filters"].values())
    s3 = datasets.load_from_disk(str(run_dir.path / "datasets" / "rte-s3"))
    probe_ids = {row["id"] for row in result.data["rte"].probe}
    extrapolated = [p for p, k in zip(s3["parent_id"], s3["round"], strict=True) if k == 1]
    assert extrapolated and set(extrapolated) <= probe_ids  # round-1 rows name the probe error they extrapolate
    card = read_card(run_dir.path / "datasets" / "rte-s3")["synthlib"]
    assert "MIS_CONTEXT" in card["prompts"]["templates"] and "based on the description" in card["prompts"]["example"]


def test_set_names_are_folder_safe():
    from synthlib.methods.s3.datasets import set_name

    assert [set_name(m) for m in ("+ourAdd", "with rationales", "s3")] == ["plus-ourAdd", "with-rationales", "s3"]
