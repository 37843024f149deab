"""GOLD's loop with the scripted teacher and a deterministic student: lineage, feedback, resume."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from synthlib.methods.gold import synthesis
from synthlib.methods.gold.loop import GoldLoop, LoopSettings, training_rows
from synthlib.methods.gold.scripted import scripted_gold_teacher
from synthlib.methods.gold.tasks import spec
from synthlib.teachers.base import request_key

POOL = [{"id": f"real-{i}", "text1": f"Real premise number {i} about a quiet town.", "text2": f"A town {i}.",
         "label": i % 2} for i in range(6)]


class WordStudent:
    """Energy from how familiar a row's words are: deterministic and instant (crash on one update)."""

    def __init__(self, fail_on_update: int | None = None):
        self.counts, self.updates, self.fail_on_update, self.batches = Counter(), 0, fail_on_update, []

    def update(self, rows, epochs=None):
        self.updates += 1
        if self.updates == self.fail_on_update:
            raise RuntimeError(f"killed inside update {self.updates}")
        self.batches.append([r["id"] for r in rows])
        for row in rows:
            self.counts.update(f"{row['text1']} {row['text2']}".lower().split())

    def probe(self, rows):
        energies = []
        for row in rows:
            words = f"{row['text1']} {row['text2']}".lower().split()
            energies.append(-sum(self.counts[w] for w in words) / len(words))
        return [int(r["label"]) for r in rows], energies

    def energy(self, rows):
        return self.probe(rows)[1]


def _loop(directory, student=None, strategy="gold", iterations=2, teacher=None):
    settings = LoopSettings(strategy=strategy, iterations=iterations, per_iteration=8, val_per_iteration=8)
    teacher = teacher or scripted_gold_teacher()
    return GoldLoop(spec("rte"), teacher, POOL, synthesis.Sampling(), settings, directory,
                    student if student is not None else WordStudent()), teacher


def test_two_iterations_keep_lineage_and_feed_the_band_back(tmp_path):
    loop, teacher = _loop(tmp_path)
    result = loop.run()
    assert [s["round"] for s in result.rounds] == [1, 2]
    train_calls = [c for c in teacher.calls if c.metadata["gold"]["step"] == "gold"]
    assert Counter(c.metadata["gold"]["label"] for c in train_calls) == {0: 8, 1: 8}  # GOLD asks for labels too
    assert all("label" not in c.metadata["gold"] for c in teacher.calls if c.metadata["gold"]["step"] == "ood")
    train = training_rows(result)
    assert train and all(r["role"] == "train" for r in train)
    for row in result.rows:
        assert row["teacher"] == "stand-in-scripted" and len(row["request_key"]) == 64
        assert set(row["example_ids"]) <= {r["id"] for r in POOL} and len(row["example_ids"]) == 3
    # OOD rows: energies, percentiles and exactly the band's samples selected as feedback
    ood = [r for r in result.rows if r["role"] == "ood" and r["round"] == 1]
    assert ood and all("energy" in r for r in ood)
    selected = [r["id"] for r in ood if r["selected"]]
    assert set(selected) == {r["id"] for r in ood if 0.5 <= r["percentile"] < 0.8}
    assert result.rounds[0]["feedback_ids"] and set(result.rounds[0]["feedback_ids"]) == set(selected)
    # the OOD rows name the training batch they were asked to differ from
    assert all(set(r["parent_ids"]) == {t["id"] for t in train if t["round"] == 1} for r in ood)
    # iteration 2's training prompts show the feedback examples, and its rows name them as parents
    by_id = {r["id"]: r for r in result.rows}
    second = [c for c in teacher.calls if c.metadata["gold"]["step"] == "gold" and c.seed == 2000]
    assert len(second) == 8
    for call in second:
        for fid in result.rounds[0]["feedback_ids"]:
            assert synthesis.render(spec("rte"), by_id[fid]) in call.prompt
    first = [c for c in teacher.calls if c.metadata["gold"]["step"] == "gold" and c.seed == 1000]
    assert all("found the following examples unfamiliar" not in c.prompt for c in first)
    assert all(r["parent_ids"] == result.rounds[0]["feedback_ids"] for r in train if r["round"] == 2)
    # request keys are the teacher-cache keys of the calls that made the rows
    keys = {request_key(teacher.signature, c) for c in teacher.calls}
    assert all(r["request_key"] in keys for r in result.rows)


def test_the_student_is_updated_on_each_training_batch_in_order(tmp_path):
    student = WordStudent()
    loop, _ = _loop(tmp_path, student)
    result = loop.run()
    assert student.batches == [[r["id"] for r in training_rows(result) if r["round"] == t] for t in (1, 2)]


def test_rejections_are_counted_not_fatal(tmp_path):
    loop, _ = _loop(tmp_path, iterations=4)
    result = loop.run()
    asked = sum(s["train"]["total"] for s in result.rounds)
    kept = sum(s["train"]["kept"] for s in result.rounds)
    assert asked == 32 and kept == len(training_rows(result)) and kept < asked  # the scripted teacher refuses some
    assert sum(sum(s["train"]["reasons"].values()) for s in result.rounds) == asked - kept


def test_an_empty_batch_is_handled(tmp_path):
    from synthlib.teachers.scripted import ScriptedTeacher

    loop, _ = _loop(tmp_path, teacher=ScriptedTeacher(lambda request: "no format here", name="mute"))
    result = loop.run()
    assert result.rows == [] and all(s["feedback_ids"] == [] for s in result.rounds)


def test_resume_after_a_kill_gives_the_same_rows(tmp_path):
    straight, _ = _loop(tmp_path / "straight", iterations=3)
    expected = straight.run().rows
    crashing, _ = _loop(tmp_path / "killed", WordStudent(fail_on_update=2), iterations=3)
    with pytest.raises(RuntimeError, match="killed"):
        crashing.run()
    state = json.loads((tmp_path / "killed" / "state.json").read_text())
    assert state["finished"] == 1
    student = WordStudent()
    resumed, teacher = _loop(tmp_path / "killed", student, iterations=3)
    result = resumed.run()
    assert result.resumed_from == 1
    assert result.rows == expected
    assert student.updates == 3  # one replayed update, then iterations 2 and 3
    assert all(c.seed != 1000 for c in teacher.calls)  # iteration 1 was not asked again


def test_resume_refuses_a_different_run(tmp_path):
    loop, _ = _loop(tmp_path)
    loop.run()
    other = GoldLoop(spec("rte"), scripted_gold_teacher(), POOL, synthesis.Sampling(),
                     LoopSettings(strategy="gold", iterations=2, band=(0.2, 0.5)), tmp_path, WordStudent())
    with pytest.raises(ValueError, match="band"):
        other.run()


@pytest.mark.parametrize("strategy", ["vanilla", "zerogen", "p2model", "progen"])
def test_baseline_strategies(tmp_path, strategy):
    loop, teacher = _loop(tmp_path, strategy=strategy)
    result = loop.run()
    assert all(r["role"] == "train" for r in result.rows)  # only GOLD asks for OOD batches
    steps = {c.metadata["gold"]["step"] for c in teacher.calls}
    assert steps == {strategy}
    # every method asks for a label on a classification task, balanced (the paper's Table 14)
    asked = Counter(c.metadata["gold"]["label"] for c in teacher.calls)
    assert asked == {0: 8, 1: 8}
    assert all(c.metadata["option"] == spec("rte").label_names[c.metadata["gold"]["label"]] for c in teacher.calls)
    assert all("with the label " + c.metadata["option"] in c.prompt for c in teacher.calls)
    assert Counter(r["label"] for r in result.rows).keys() == {0, 1}
    if strategy == "p2model":
        later = [c for c in teacher.calls if c.seed == 2000]
        assert all(c.metadata["gold"]["earlier"] for c in later) and all(c.sampling.temperature == 1.5 for c in later)
    if strategy == "progen":
        assert result.rounds[0]["feedback_ids"]
        assert all(fid.startswith("it1-train") for fid in result.rounds[0]["feedback_ids"])
