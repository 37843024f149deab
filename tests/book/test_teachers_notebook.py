"""The Teachers chapter runs in the smoke profile with the smallest real packaged LLM."""

import json

import pytest

from synthlib.book.notebooks import notebook_path


@pytest.mark.slow
def test_teachers_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror):
    from synthlib.book.execute import execute_notebook

    output = tmp_path / "teachers.ipynb"
    result = execute_notebook(notebook_path("teachers"), output, "smoke",
                              {"samples_per_format": 2, "formats": ["sentiment", "craft_qa"]}, tmp_path / "runs")
    assert result.error is None, result.error
    [run_dir] = list((tmp_path / "runs" / "teachers").iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    assert results["stand_in"] is False and results["glue.teacher"] == "gemma-3-270m"
    rerun = results["throughput"][-1]
    assert rerun["teacher_calls"] == 0 and rerun["hit_rate"] == 1.0
    assert {row["format"] for row in results["parse_rates"]} == {"sentiment", "craft_qa"}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["models"]["teacher"]["model"] == "gemma-3-270m"
    assert {(row["teacher"], row["style"]) for row in results["usable"]} == {("gemma-3-270m", "fewshot")}
    assert (run_dir / "figures" / "parse_rates.png").is_file()
