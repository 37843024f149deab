"""The Retrieval chapter: its config is checked early, and the notebook executes in the smoke profile."""

import json

import pytest

from synthlib.config import ConfigError
from synthlib.reports.retrieval import RetrievalConfig


def test_config_rejects_bad_values_before_any_work():
    with pytest.raises(ConfigError, match="unknown CRAFT tasks"):
        RetrievalConfig.from_profile("smoke", {"tasks": ["bioqa", "mathqa"]})
    with pytest.raises(ConfigError, match="two_stage_percents"):
        RetrievalConfig.from_profile("smoke", {"two_stage_percents": [0.0]})
    with pytest.raises(ConfigError, match="unknown dataset|corpora"):
        RetrievalConfig.from_profile("smoke", {"corpora": ["wikipedya"]})
    assert RetrievalConfig.from_profile("paper").shard_size == 350_000


@pytest.mark.slow
def test_retrieval_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror, monkeypatch):
    from synthlib.book.execute import execute_notebook
    from synthlib.book.notebooks import notebook_path

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    params = {"max_docs": 48, "shard_size": 16, "n_retrieve": 20, "recall_ks": [5, 10], "filter_samples": 150,
              "decontam_rows": 100, "diversify_target": 50, "tasks": ["bioqa", "recipegen"]}
    output = tmp_path / "retrieval.ipynb"
    result = execute_notebook(notebook_path("retrieval"), output, "smoke", params, tmp_path / "runs")
    assert result.error is None, result.error
    (run_dir,) = (tmp_path / "runs" / "retrieval").iterdir()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["store"]["documents"] == 48 and results["store"]["shards"] == 3
    assert {row["top_percent"] for row in results["agreement"]} == {5.0, 20.0, 100.0}
    assert all(row["recall"] == 1.0 for row in results["agreement"] if row["top_percent"] == 100.0)
    assert sorted(p.name for p in (run_dir / "figures").iterdir()) == ["similarities.png", "two_stage_agreement.png"]
    assert (tmp_path / "cache" / "retrieval").is_dir()
