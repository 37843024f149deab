"""The committed notebooks: structure, table of contents, and a real smoke execution."""

import json
from pathlib import Path

import pytest
import yaml

from synthlib.book.notebooks import config_class, list_notebooks, notebook_path, parse_params, resolve
from synthlib.config import ConfigError

NOTEBOOKS = list_notebooks()


def _cells(name):
    return json.loads(notebook_path(name).read_text())["cells"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs_and_has_a_parameters_cell(name):
    cells = _cells(name)
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", [])
    assert "profile =" in "".join(first["source"]) and "params =" in "".join(first["source"])


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_config_resolves_in_every_profile(name):
    cls = config_class(notebook_path(name))
    for profile in ("smoke", "cpu", "gpu", "paper"):
        assert cls.from_profile(profile).profile == profile


def test_every_notebook_is_in_the_table_of_contents():
    from synthlib.book.build import book_dir

    toc = yaml.safe_load((book_dir() / "_toc.yml").read_text())
    files = {entry["file"] for entry in toc.get("chapters", [])}
    for part in toc.get("parts", []):
        files |= {entry["file"] for entry in part["chapters"]}
    assert set(NOTEBOOKS) <= files


def test_parameters_parse_as_yaml_and_bad_ones_are_explained():
    assert parse_params(["a=3", "b=0.5", "c=[x, y]", "d=true", "e=text"]) == {
        "a": 3, "b": 0.5, "c": ["x", "y"], "d": True, "e": "text"}
    with pytest.raises(ConfigError, match="write it as key=value"):
        parse_params(["novalue"])
    with pytest.raises(ConfigError, match="unknown notebook: 'dta'"):
        resolve("dta", "smoke", {})
    with pytest.raises(ConfigError, match="wrong type for 'length_sample'"):
        resolve("data", "smoke", {"length_sample": "many"})


@pytest.mark.slow
def test_data_notebook_executes_in_the_smoke_profile(tmp_path, use_mirror):
    from synthlib.book.execute import execute_notebook
    from synthlib.data import DATASETS

    output = tmp_path / "data.ipynb"
    result = execute_notebook(notebook_path("data"), output, "smoke", {"max_subsets": 1}, tmp_path / "runs")
    assert result.error is None, result.error
    run_dirs = list((tmp_path / "runs" / "data").iterdir())
    assert len(run_dirs) == 1
    results = json.loads((run_dirs[0] / "results.json").read_text())
    assert results["datasets"] == len(DATASETS)
    assert results["glue.profile"] == "smoke"
    assert sorted(p.name for p in (run_dirs[0] / "figures").iterdir()) == ["label_shares.png", "lengths.png",
                                                                           "sizes.png"]
    executed = json.loads(output.read_text())
    images = [o for c in executed["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 3


def test_reused_notebooks_must_come_from_the_same_profile(tmp_path):
    """`synthlib book --executed DIR` takes notebooks executed in its profile and refuses others."""
    from synthlib.book.execute import executed_profile, reusable

    def executed(name, profile):
        cells = [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
                  "source": f'# Parameters\nprofile = "{profile}"\nparams = {{}}\n'}]
        (tmp_path / f"{name}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                            "nbformat_minor": 5}))

    executed("data", "cpu")
    executed("students", "smoke")
    paths = [notebook_path("data"), notebook_path("students"), notebook_path("retrieval")]
    assert executed_profile(tmp_path / "data.ipynb") == "cpu"
    assert reusable(paths[:1] + paths[2:], tmp_path, "cpu") == {"data": tmp_path / "data.ipynb"}  # retrieval: missing
    with pytest.raises(ConfigError, match="students.ipynb was executed in profile 'smoke', not 'cpu'"):
        reusable(paths, tmp_path, "cpu")


def test_clean_runs_with_the_profiles_own_parameters_are_kept_for_the_book(tmp_path, monkeypatch):
    """With SYNTHLIB_KEEP_EXECUTED set, a clean execution without overrides is copied there (CI's book reuses
    it); one with overrides, or one that failed, is not."""
    import papermill

    from synthlib.book import execute

    def fake_papermill(source, output, parameters, **kwargs):
        if parameters["params"].get("fail"):
            Path(output).write_text("{}")
            raise papermill.PapermillExecutionError(1, 1, "raise", "ValueError", "boom", [])
        Path(output).write_text(json.dumps({"profile": parameters["profile"], "params": parameters["params"]}))

    monkeypatch.setattr(papermill, "execute_notebook", fake_papermill)
    monkeypatch.setenv(execute.KEEP_ENV, str(tmp_path / "kept"))
    for name, params in (("data", {}), ("students", {"seeds": [1]}), ("retrieval", {"fail": True})):
        execute.execute_notebook(notebook_path(name), tmp_path / "out" / f"{name}.ipynb", "smoke", params,
                                 tmp_path / "runs")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["data.ipynb"]
    assert json.loads((tmp_path / "kept" / "data.ipynb").read_text()) == {"profile": "smoke", "params": {}}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_thin_and_hides_its_code(name):
    """A chapter = parameters + one run call + a few one-line display calls, all one click away."""
    code = [c for c in _cells(name) if c["cell_type"] == "code"]
    lines = sum(len("".join(c["source"]).splitlines()) for c in code)
    assert lines <= 30, f"{name} holds {lines} code lines: move display code into its report functions"
    for cell in code[1:]:
        tags = cell["metadata"].get("tags", [])
        assert {"hide-input", "remove-cell", "remove-input"} & set(tags), f"{name}: a code cell shows its input"
        assert "def " not in "".join(cell["source"]), f"{name}: functions belong in the library"


def test_staging_hides_the_injected_parameters_cell(tmp_path):
    from synthlib.book.build import stage_notebook

    cells = [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
              "source": 'profile = "smoke"\nparams = {}\n'},
             {"cell_type": "code", "metadata": {"tags": ["hide-input"]}, "outputs": [], "source": "report.x()"}]
    (tmp_path / "a.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    staged = json.loads(stage_notebook(tmp_path / "a.ipynb", tmp_path / "b.ipynb").read_text())
    assert [c["metadata"]["tags"] for c in staged["cells"]] == [["injected-parameters", "hide-input"], ["hide-input"]]


def _staged_book(tmp_path, names):
    """The committed book sources in ``tmp_path/src`` with an (empty) executed notebook per name."""
    import shutil

    from synthlib.book.build import book_dir

    source = tmp_path / "src"
    shutil.copytree(book_dir(), source, ignore=shutil.ignore_patterns("_build"))
    for name in names:
        (source / f"{name}.ipynb").write_text("{}")
    return source


def test_a_partial_book_keeps_only_the_staged_chapters_in_its_table_of_contents(tmp_path):
    from synthlib.book.build import prune_toc

    source = _staged_book(tmp_path, ["data", "s3__quality"])
    left_out = prune_toc(source)
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    assert toc["root"] == "intro"
    assert [(part["caption"], [c["file"] for c in part["chapters"]]) for part in toc["parts"]] == [
        ("Foundations", ["data"]), ("S3: synthesize step by step", ["s3__quality"])]
    assert set(left_out) == set(NOTEBOOKS) - {"data", "s3__quality"}


def test_a_whole_book_leaves_its_table_of_contents_as_committed(tmp_path):
    from synthlib.book.build import book_dir, prune_toc

    source = _staged_book(tmp_path, NOTEBOOKS)
    assert prune_toc(source) == []
    assert (source / "_toc.yml").read_text() == (book_dir() / "_toc.yml").read_text()
