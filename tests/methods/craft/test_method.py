"""The CRAFT comparison: equal sizes, resume after a kill without a repeated teacher call, a smoke run."""

from __future__ import annotations

import pytest

from synthlib.methods.craft import CraftConfig
from synthlib.methods.craft.method import equal_sizes
from synthlib.methods.craft.scripted import respond
from synthlib.methods.craft.synthesis import craft_samples
from synthlib.methods.craft.tasks import task_spec
from synthlib.teachers.cache import CachedTeacher
from synthlib.teachers.scripted import ScriptedTeacher


def test_equal_sizes_cut_every_method_to_the_same_rows():
    pools = {"craft": list(range(10)), "self_instruct": list(range(7)), "evol_instruct": list(range(2)),
             "in_domain": list(range(50))}
    notes: list[str] = []
    sets = equal_sizes(pools, 8, "bioqa S", notes)
    assert {len(v) for v in sets.values()} == {7}
    assert set(sets) == {"craft", "self_instruct", "in_domain"}
    assert any("evol_instruct left out" in n for n in notes) and any("cut to 7" in n for n in notes)
    assert {len(v) for v in equal_sizes(pools, 5, "S", []).values()} == {5}


class _Killed(RuntimeError):
    pass


def _teacher(kill_after: int | None = None) -> ScriptedTeacher:
    calls = {"n": 0}

    def answer(request):
        calls["n"] += 1
        if kill_after is not None and calls["n"] > kill_after:
            raise _Killed("killed")
        return respond(request)

    return ScriptedTeacher(answer, name="stand-in-scripted-craft")


def test_resume_after_a_kill_makes_no_new_teacher_call(tmp_path):
    task = task_spec("csqa")
    shots = [{"text": f"Text {i} about hand washing and germs.",
              "sample": {"question": f"Statement {i}?", "options": ["Yes", "No"], "answer": "A"}} for i in range(8)]
    docs = [{"id": f"d{i}", "title": f"Doc {i}", "strategy": "mean",
             "text": f"Rivers number {i} flood in spring after snow melts. Farmers plant rice near them. "
                     f"Bridges number {i} are built of stone."} for i in range(12)]
    config = CraftConfig(max_words=200)
    cache = tmp_path / "teacher.sqlite"
    first = _teacher(kill_after=5)
    with pytest.raises(_Killed):
        craft_samples(task, shots, docs, CachedTeacher(first, cache, progress=False), config)
    assert len(first.calls) == 6  # five answered and stored, the sixth killed the run
    second = _teacher()
    resumed = craft_samples(task, shots, docs, CachedTeacher(second, cache, progress=False), config)
    assert len(second.calls) == len(docs) - 5  # only the requests the killed run did not finish
    third = _teacher()
    again = craft_samples(task, shots, docs, CachedTeacher(third, cache, progress=False), config)
    assert third.calls == []  # a rerun calls the teacher for nothing
    assert again.samples == resumed.samples and again.report.counts() == resumed.report.counts()


@pytest.mark.slow
def test_smoke_run_trains_equal_sizes_and_saves_datasets(use_mirror, tmp_path, monkeypatch):
    from synthlib.methods.craft import run
    from synthlib.runs import open_run

    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    config = CraftConfig.from_profile("smoke", {"tasks": ["csqa"], "test_rows": 8, "work_dir": str(tmp_path / "w")})
    run_dir = open_run(config)
    result = run(config, run_dir, progress=lambda message: None)
    scores = result.scores
    generated = scores[(scores["size"] == "S")]
    assert len(generated) >= 2 and generated["rows"].nunique() == 1
    assert set(scores["method"]) >= {"fewshots", "craft", "in_domain"}
    assert scores["score"].between(0, 100).all() and result.stand_in
    assert (tmp_path / "w" / "datasets" / "csqa" / "craft-S.jsonl").is_file()
    assert result.filters.query("method == 'craft'")["asked"].iloc[0] == 12  # 2 x 6 documents retrieved
    assert result.contamination["jaccard_5gram_%"].notna().all()
    from synthlib.runs.datasets import load_synthetic, read_card

    saved = load_synthetic(run_dir.path / "datasets" / "csqa-craft-S")
    assert len(saved) == generated["rows"].iloc[0]
    assert {"question", "options", "answer", "round", "parent", "teacher_call"} <= set(saved.column_names)
    assert all(saved["teacher_call"]) and read_card(run_dir.path / "datasets" / "csqa-craft-S")


def test_teacher_written_fewshots_keep_the_texts_and_replace_the_samples():
    from synthlib.methods.craft.method import teacher_fewshots

    task = task_spec("bioqa")
    shots = [{"text": f"Cells number {i} divide by mitosis. Their membranes carry proteins. Ribosomes make "
                      f"proteins number {i}. Chloroplasts capture light in plants.",
              "sample": {"question": f"Human question {i}?", "options": ["a", "b", "c", "d"], "answer": "A"}}
             for i in range(8)]
    notes: list[str] = []
    teacher = _teacher()
    made = teacher_fewshots(task, shots, teacher, CraftConfig(max_words=200), notes)
    assert [m["text"] for m in made] == [s["text"] for s in shots]
    written = [m for m, s in zip(made, shots, strict=True) if m["sample"] != s["sample"]]
    assert written and all(m["sample"]["answer"] in task.letters for m in written)
    assert len(teacher.calls) == 8 and f"{len(written)} of 8" in notes[0]
    for request in teacher.calls:  # a few-shot never sees itself among its prompt's examples
        text = request.messages[-1]["content"]
        own = request.metadata["craft"]["doc_id"].split("-")[1]
        assert f"Human question {own}?" not in text
