"""The GOLD comparison end to end on real data splits, with the scripted teacher and tiny students."""

from __future__ import annotations

import pytest

from synthlib.methods.gold import GoldConfig, run
from synthlib.methods.gold.tasks import splits


def test_pool_and_test_rows_are_disjoint_where_they_share_a_split(use_mirror):
    for task in ("qnli", "squad", "svamp"):
        pool, test = splits(task, 40, 40, seed=0)
        assert len(pool) == 40 and len(test) == 40
        assert not {r["id"] for r in pool} & {r["id"] for r in test}


@pytest.mark.slow
def test_run_scores_every_method_and_saves_lineage(use_mirror, tmp_path):
    from synthlib.runs import open_run

    config = GoldConfig.from_profile("smoke", {"tasks": ["rte"], "samples": 16, "pool_rows": 20, "test_rows": 16,
                                               "fewshot_rows": 8, "methods": ["gold", "zerogen", "pretrained",
                                                                              "fewshot"],
                                               "work_dir": str(tmp_path / "loops")})
    run_dir = open_run(config)
    result = run(config, run_dir, progress=lambda message: None)
    assert list(result.scores["method"]) == ["gold", "zerogen", "pretrained", "fewshot"]
    assert result.scores["score"].notna().all() and result.stand_in
    assert (tmp_path / "loops" / "rte" / "gold" / "iterations" / "iter_2.jsonl").is_file()
    assert set(result.paper["paper"].dropna()) >= {69.6, 62.1}
    assert (run_dir.path / "tables" / "scores.csv").is_file() or any((run_dir.path / "tables").iterdir())
