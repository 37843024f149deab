"""The grid end to end on real RTE rows: equal spend, one row per cell, resume without repeated calls."""

from __future__ import annotations

import pytest

from synthlib.compare import run
from synthlib.compare.grid import plan, run_grid
from synthlib.compare.scripted import CompareScriptedTeacher
from synthlib.teachers.base import request_key
from synthlib.teachers.cache import CachedTeacher

QUIET = dict(progress=lambda message: None)


class Killed(RuntimeError):
    """Stands for a SIGKILL in the middle of a grid."""


def _teacher(path, fail_after=None):
    scripted = CompareScriptedTeacher()
    if fail_after is not None:
        respond = scripted.respond

        def dying(request):
            if len(scripted.calls) > fail_after:
                scripted.calls.pop()  # the call in flight dies unanswered: only answered calls are counted
                raise Killed("teacher killed mid-cell")
            return respond(request)

        scripted.respond = dying
    return scripted, CachedTeacher(scripted, path, progress=False)


@pytest.mark.slow
def test_two_methods_given_the_same_budget_spend_within_five_percent_of_it(use_mirror, tiny_config):
    config = tiny_config(methods=["s3", "gold", "zerogen", "craft", "softsrv"], budgets=[4000],
                         softsrv_frozen_lm="tiny-random-gpt2", softsrv_steps=2, softsrv_tokens=2)
    table = run(config, **QUIET).table
    spent = table[table["method"] != "untuned"].set_index("method")["teacher_tokens"]
    assert set(spent.index) == {"s3", "gold", "zerogen", "craft", "softsrv"}
    for method, tokens in spent.items():
        assert 0.95 * 4000 <= tokens <= 4000, f"{method} spent {tokens} of 4000"


@pytest.mark.slow
def test_the_table_has_one_row_per_cell_and_resumes_after_a_kill_without_a_repeated_call(use_mirror, tiny_config,
                                                                                         tmp_path):
    config = tiny_config(methods=["s3", "zerogen"], seeds=[0, 1], budgets=[600, 1200])
    cells = plan(config)
    assert len(cells) == 2 + 2 * 2 * 2  # untuned per seed, then budgets x seeds x methods
    cache = tmp_path / "cache.sqlite"

    first, teacher = _teacher(cache)

    def kill_after_fourth(cell, record):
        if cells.index(cell) == 3:
            raise Killed("grid killed between cells")

    with pytest.raises(Killed):
        run_grid(config, tmp_path / "grid", teacher=teacher, after_cell=kill_after_fourth, **QUIET)
    finished = sorted(p.name for p in (tmp_path / "grid" / "cells").glob("*.json"))
    assert len(finished) == 4

    second, teacher = _teacher(cache, fail_after=2)  # dies inside the next cell, after two calls
    with pytest.raises(Killed):
        run_grid(config, tmp_path / "grid", teacher=teacher, **QUIET)
    assert len(list((tmp_path / "grid" / "cells").glob("*.json"))) == 4

    third, teacher = _teacher(cache)
    records = run_grid(config, tmp_path / "grid", teacher=teacher, **QUIET)
    keys = [request_key(first.signature, r) for t in (first, second, third) for r in t.calls]
    assert keys and len(keys) == len(set(keys)), "a request reached the teacher twice"

    table = run(config, teacher=CachedTeacher(CompareScriptedTeacher(), cache, progress=False), **QUIET).table
    assert len(table) == len(cells) == len(records)
    assert list(zip(table["method"], table["seed"], table["budget"], strict=True)) == \
        [(c.method, c.seed, c.budget.teacher_tokens if c.budget else 0) for c in cells]
    assert table["score"].notna().all() and (table.loc[table["method"] != "untuned", "teacher_tokens"] > 0).all()


@pytest.mark.slow
def test_a_methods_own_setting_reruns_only_its_cells_and_keeps_the_old_records(use_mirror, tiny_config, tmp_path,
                                                                               monkeypatch):
    import synthlib.compare.grid as grid

    ran = []
    real_run_cell = grid.run_cell
    monkeypatch.setattr(grid, "run_cell", lambda cell, *a, **k: ran.append(cell.method) or real_run_cell(cell, *a, **k))
    base = dict(methods=["s3", "zerogen"], budgets=[600], grid_dir="shared")
    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache-root"))
    first = run(tiny_config(**base), **QUIET)
    assert sorted(ran) == ["s3", "untuned", "zerogen"]
    ran.clear()
    other_method = run(tiny_config(**base, gold_per_iteration=2), **QUIET)  # GOLD is not in this grid
    assert ran == [] and other_method.grid_dir == first.grid_dir
    own = run(tiny_config(**base, s3_max_rounds=1), **QUIET)  # S3's own knob (ZeroGen is built by S3's config)
    assert sorted(ran) == ["s3", "zerogen"] and own.grid_dir == first.grid_dir
    superseded = sorted(p.name for p in (grid.Path(first.grid_dir) / "cells" / "superseded").iterdir())
    assert len(superseded) == 4 and sum(".rows.jsonl." in name for name in superseded) == 2  # records and rows
