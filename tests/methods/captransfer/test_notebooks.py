"""The capability-transfer notebooks execute in the smoke profile (STAND-IN teacher, tiny students)."""

import json

import pandas as pd
import pytest


@pytest.mark.slow
@pytest.mark.parametrize("name", ["captransfer", "captransfer__student_size", "captransfer__teacher"])
def test_captransfer_notebook_executes_in_the_smoke_profile(name, tmp_path, use_mirror):
    from synthlib.book.execute import execute_notebook
    from synthlib.book.notebooks import notebook_path

    output = tmp_path / f"{name}.ipynb"
    result = execute_notebook(notebook_path(name), output, "smoke", {}, tmp_path / "runs")
    assert result.error is None, result.error
    run_dir = next((tmp_path / "runs" / name).iterdir())
    trajectories = pd.read_csv(run_dir / "tables" / "trajectories.csv")
    assert len(trajectories) and (trajectories.groupby(["task", "student", "seed"])["step"].min() == 0).all()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["glue.profile"] == "smoke" and results["stand_in"] is True
    executed = json.loads(output.read_text())
    images = [o for c in executed["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images
