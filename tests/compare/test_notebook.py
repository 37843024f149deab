"""The comparison chapter runs in the smoke profile, labels the stand-ins and keeps its tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from synthlib.book.notebooks import notebook_path


@pytest.mark.slow
def test_compare_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror, monkeypatch):
    from synthlib.book.execute import execute_notebook

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    output = tmp_path / "compare.ipynb"
    result = execute_notebook(notebook_path("compare"), output, "smoke", {"seeds": [0, 1], "budgets": [2000]},
                              tmp_path / "runs")
    assert result.error is None, result.error
    [run_dir] = list((tmp_path / "runs" / "compare").iterdir())
    results = json.loads((run_dir / "results.json").read_text())
    assert results["stand_in"] is True and results["glue.profile"] == "smoke" and results["cells"] == 2 + 2 * 5
    assert "glue.verdict" in results and (run_dir / "figures" / "cost_curve.png").is_file()
    assert results["glue.verdict"].startswith("With a STAND-IN teacher or student")  # never a finding
    cells = pd.read_csv(run_dir / "tables" / "cells.csv")
    assert len(cells) == results["cells"] and set(cells["method"]) == {"untuned", "s3", "gold", "zerogen", "craft", "softsrv"}
    assert "STAND-IN" in output.read_text()
