"""GOLD saves each generator's training samples as a dataset: the rows the final student trained on."""

from __future__ import annotations

import datasets
import pytest

from synthlib.methods.gold import GoldConfig, run
from synthlib.runs import open_run
from synthlib.runs.datasets import read_card


@pytest.mark.slow
def test_gold_sets_load_back_with_lineage_and_a_card(use_mirror, monkeypatch):
    from synthlib.methods.gold import method

    updates: list[list[str]] = []

    class Recording(method.GoldStudent):
        def update(self, rows, *args, **kwargs):
            updates.append([r["id"] for r in rows])
            return super().update(rows, *args, **kwargs)

    monkeypatch.setattr(method, "GoldStudent", Recording)
    config = GoldConfig.from_profile("smoke", {"tasks": ["rte"], "methods": ["gold", "zerogen", "finetuned"],
                                               "samples": 8, "pool_rows": 16, "test_rows": 8})
    run_dir = open_run(config)
    result = run(config, run_dir, progress=lambda message: None)
    assert sorted(p.name for p in (run_dir.path / "datasets").iterdir()) == ["rte-gold", "rte-zerogen"]
    for method_name in ("gold", "zerogen"):
        folder = run_dir.path / "datasets" / f"rte-{method_name}"
        loaded = datasets.load_from_disk(str(folder))
        rows = result.data["rte"].sets[method_name]
        assert loaded["id"] in updates and loaded["id"] == [r["id"] for r in rows]  # what the final student saw
        assert all(loaded["request_key"]) and set(loaded["round"]) == {1, 2}
        card = read_card(folder)["synthlib"]
        assert card["teacher"]["backend"] == "scripted" and card["method"] == f"gold/{method_name}"
        assert card["lineage_columns"]["parent"] == "parent_ids" and "FEEDBACK" in card["prompts"]["templates"]
        assert card["prompts"]["example"].startswith(result.data["rte"].task.definition)
        assert set(card["filters"]) >= {f"{method_name} iteration 1 train", f"{method_name} iteration 2 train"}
    gold = datasets.load_from_disk(str(run_dir.path / "datasets" / "rte-gold"))
    assert any(gold["parent_ids"][k] for k in range(len(gold)) if gold["round"][k] == 2)  # fed back OOD samples
    zerogen = read_card(run_dir.path / "datasets" / "rte-zerogen")["synthlib"]["prompts"]["example"]
    assert "unfamiliar" not in zerogen and "with the label" in zerogen  # no feedback; a requested label
