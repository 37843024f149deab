"""The CRAFT chapter and its ablations run in the smoke profile, label the stand-ins, save their datasets."""

import json

import pytest

from synthlib.book.notebooks import notebook_path

ABLATIONS = ["craft__fewshots", "craft__fewshot_source", "craft__scaling", "craft__versus_instruct"]


def _execute(name, tmp_path, params, monkeypatch):
    from synthlib.book.execute import execute_notebook

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    output = tmp_path / f"{name}.ipynb"
    result = execute_notebook(notebook_path(name), output, "smoke", params, tmp_path / "runs")
    assert result.error is None, result.error
    [run_dir] = list((tmp_path / "runs" / name).iterdir())
    return output.read_text(), run_dir, json.loads((run_dir / "results.json").read_text())


@pytest.mark.slow
def test_craft_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror, monkeypatch):
    text, run_dir, results = _execute("craft", tmp_path, {"tasks": ["csqa"]}, monkeypatch)
    assert results["stand_in"] is True and results["glue.profile"] == "smoke"
    methods = {row["method"] for row in results["scores"]}
    assert {"fewshots", "craft", "in_domain"} <= methods
    assert (run_dir / "datasets" / "csqa" / "craft-S.jsonl").is_file()
    assert (run_dir / "tables" / "filters.csv").is_file() and (run_dir / "tables" / "contamination.csv").is_file()
    assert "STAND-IN" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ABLATIONS)
def test_craft_ablation_notebooks_execute_in_the_smoke_profile(name, tmp_path, use_mirror, monkeypatch):
    text, run_dir, results = _execute(name, tmp_path, {}, monkeypatch)
    assert results["scores"] and "STAND-IN" in text
    assert (run_dir / "tables" / "scores.csv").is_file()
