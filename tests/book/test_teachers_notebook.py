"""The Teachers chapter runs in the smoke profile and labels the stand-in."""

import json

import pytest

from synthlib.book.notebooks import notebook_path


@pytest.mark.slow
def test_teachers_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror):
    from synthlib.book.execute import execute_notebook

    output = tmp_path / "teachers.ipynb"
    result = execute_notebook(notebook_path("teachers"), output, "smoke",
                              {"samples_per_format": 3, "formats": ["sentiment", "craft_qa"]}, tmp_path / "runs")
    assert result.error is None, result.error
    [run_dir] = list((tmp_path / "runs" / "teachers").iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    assert results["stand_in"] is True and results["glue.teacher"] == "stand-in-tiny"
    rerun = results["throughput"][-1]
    assert rerun["teacher_calls"] == 0 and rerun["hit_rate"] == 1.0
    assert {row["format"] for row in results["parse_rates"]} == {"sentiment", "craft_qa"}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["models"]["teacher"]["stand_in"] is True
    text = output.read_text()
    assert "STAND-IN" in text and (run_dir / "figures" / "parse_rates.png").is_file()
