import dataclasses
import json

import yaml

from synthlib.config import BaseConfig, option
from synthlib.data import load_dataset
from synthlib.runs import glue, open_run


@dataclasses.dataclass
class RunConfig(BaseConfig):
    name = "toy"
    steps: int = option(2, "steps")


def test_run_directory_holds_config_manifest_and_results(tmp_path, use_mirror):
    config = RunConfig.from_dict({"steps": 5})
    run = open_run(config, root=tmp_path)
    assert run.path.parent == tmp_path / "toy" and run.path.name.startswith("cpu-")
    assert yaml.safe_load((run.path / "config.yaml").read_text())["steps"] == 5

    load_dataset("rte", "validation")
    run.add_model("student", {"backend": "hf", "model": "minilm", "dtype": "float32"})
    run.save_results({"accuracy": 0.75})
    run.save_results({"f1": 0.5})

    results = json.loads((run.path / "results.json").read_text())
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert results == {"accuracy": 0.75, "f1": 0.5}
    assert len(manifest["git"]["commit"] or "") == 40
    assert manifest["packages"]["synthlib"] and manifest["packages"]["torch"].startswith("2.13")
    assert len(manifest["data_files"]["glue/rte/dev.tsv"]) == 64
    assert manifest["models"]["student"]["model"] == "minilm"
    assert manifest["config"]["steps"] == 5


def test_manifest_never_records_secret_environment_values(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHLIB_API_KEY", "sk-planted-secret-123")
    monkeypatch.setenv("HF_TOKEN", "hf_planted_secret_456")
    monkeypatch.setenv("SYNTHLIB_PROFILE_NOTE", "kept")
    run = open_run(RunConfig(), root=tmp_path)
    text = (run.path / "manifest.json").read_text()
    assert "planted" not in text and "kept" in text


def test_glue_records_plain_values_into_results(tmp_path):
    run = open_run(RunConfig(), root=tmp_path)
    glue("n_rows", 42, run)
    assert json.loads((run.path / "results.json").read_text())["glue.n_rows"] == 42


def test_figures_and_tables_are_saved(tmp_path):
    import matplotlib

    matplotlib.use("Agg")  # tests only; notebooks keep the inline backend
    import matplotlib.pyplot as plt
    import pandas as pd

    run = open_run(RunConfig(), root=tmp_path)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = run.save_figure(fig, "line")
    csv = run.save_table(pd.DataFrame({"a": [1, 2]}), "t")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and csv.read_text().splitlines() == ["a", "1", "2"]
