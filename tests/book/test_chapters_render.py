"""Every chapter renders with a subset of its methods and tasks (smoke profile, scripted teacher).

The notebook's own code cells run in-process (no kernel, no papermill), so what is checked is the
committed notebook plus its report functions: a chapter must not assume that every method or task
of its default config was run. The two method chapters run fast enough for every test session;
the ablations and foundation chapters are marked slow.
"""

import ast
import json
import re

import pytest

from synthlib.book.notebooks import notebook_path

TINY = {"epochs": 1.0, "batch_size": 8, "max_length": 32}
S3_TINY = {**TINY, "seed_size": 8, "rounds": 1, "k_rationales": 4, "probe_rows": 16, "test_rows": 16,
           "replication": False}
GOLD_TINY = {**TINY, "samples": 4, "per_iteration": 4, "val_per_iteration": 4, "pool_rows": 12, "test_rows": 8,
             "fewshot_rows": 4}

FAST = {
    "s3": {**S3_TINY, "methods": ["s3", "zerogen"], "tasks": ["rte"]},
    "gold": {**GOLD_TINY, "methods": ["gold", "fewshot"], "tasks": ["rte"]},
}
SLOW = {
    "s3__without_ees": {**S3_TINY, "tasks": ["rte"]},
    "s3__without_rationales": {**S3_TINY, "tasks": ["imdb"]},
    "s3__transferability": {**S3_TINY, "tasks": ["rte"]},
    "s3__quality": {**S3_TINY, "tasks": ["rte"], "max_pairs": 20},
    "s3__coverage": {**S3_TINY, "tasks": ["rte"], "points": 20},
    "gold__components": {**GOLD_TINY, "tasks": ["rte"]},
    "gold__n_samples": {**GOLD_TINY, "tasks": ["rte"], "sample_counts": [0, 4]},
    "gold__thresholds": {**GOLD_TINY, "tasks": ["rte"], "bands": [[0.5, 0.8]]},
    "gold__sigma": {**GOLD_TINY, "tasks": ["rte"], "sigmas": [1.0]},
    "gold__diversity": {**GOLD_TINY, "tasks": ["rte"]},
    "gold__distribution": {**GOLD_TINY, "tasks": ["rte"]},
    "captransfer": {"tasks": ["qa"], "targets": ["synthetic"], "articles": 5, "seeds": [0], "batch_size": 8},
    "captransfer__student_size": {"tasks": ["summarization"], "articles": 5, "summary_tokens": 4},
    "captransfer__teacher": {"tasks": ["qa"], "articles": 5, "temperatures": [1.0]},
    "data": {"datasets": ["sst2", "rte"], "length_sample": 50},
    "retrieval": {"tasks": ["bioqa"], "max_docs": 128, "max_seq_length": 32, "shard_size": 64, "n_fewshots": 4,
                  "n_retrieve": 16, "recall_ks": [10], "two_stage_percents": [20.0, 100.0], "filter_samples": 0},
}


def execute_cells(name: str, params: dict) -> dict:
    """Run the notebook's code cells (parameters replaced by ``smoke`` + ``params``); its namespace."""
    cells = json.loads(notebook_path(name).read_text())["cells"]
    namespace = {"profile": "smoke", "params": params}
    for cell in cells:
        if cell["cell_type"] != "code" or "parameters" in cell["metadata"].get("tags", []):
            continue
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, f"{name}.ipynb", "exec"), namespace)  # noqa: S102 - the committed notebook's code
        if last is not None:  # the cell's displayed value: render it as the book would
            value = eval(compile(ast.Expression(last.value), f"{name}.ipynb", "eval"), namespace)  # noqa: S307
            if hasattr(value, "to_html"):
                value.to_html()
    return namespace


def _check(name: str, namespace: dict) -> None:
    run = namespace["run"]
    results = json.loads((run.path / "results.json").read_text())
    assert results["glue.profile"] == "smoke"
    glued = {k for k in results if k.startswith("glue.")}
    prose = "".join("".join(c["source"]) for c in json.loads(notebook_path(name).read_text())["cells"]
                    if c["cell_type"] == "markdown")
    for key in set(re.findall(r"\{glue:text\}`([a-z_0-9]+)`", prose)) - {k[5:] for k in glued}:
        if not key.startswith("auroc_"):
            pytest.fail(f"{name}: the prose uses glue '{key}' but the notebook never glued it")


@pytest.mark.parametrize("name", sorted(FAST))
def test_method_chapter_renders_with_a_subset_of_methods_and_tasks(name, use_mirror):
    namespace = execute_cells(name, FAST[name])
    _check(name, namespace)
    results = json.loads((namespace["run"].path / "results.json").read_text())
    missing = {"s3": "glue.s3_minus_goldgen", "gold": "glue.gold_minus_zerogen"}[name]
    assert results[missing] == "n/a"  # the method left out of the subset is reported as not run


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW))
def test_chapter_renders_with_a_subset_of_its_tasks(name, use_mirror):
    _check(name, execute_cells(name, SLOW[name]))


@pytest.mark.slow
@pytest.mark.parametrize("name,sets", [("s3__without_rationales", {"imdb-with-rationales", "imdb-without-rationales"}),
                                       ("gold__components", {"rte-vanilla", "rte-gold-ce", "rte-gold-sce"})])
def test_ablations_save_their_training_sets(name, sets, use_mirror):
    from synthlib.runs.datasets import read_card

    run = execute_cells(name, SLOW[name])["run"]
    assert {p.name for p in (run.path / "datasets").iterdir()} == sets
    for folder in (run.path / "datasets").iterdir():
        assert read_card(folder)["synthlib"]["prompts"]["example"]
