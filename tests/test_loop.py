"""The student-in-the-loop with a scripted teacher and a deterministic bag-of-words student."""

from __future__ import annotations

import json

import pytest

from synthlib.loop import AllSelector, FeedbackLoop, MisclassifiedSelector
from synthlib.methods.s3.learners import BagOfWordsLearner as _BagOfWords
from synthlib.methods.s3.scripted import scripted_s3_teacher
from synthlib.methods.s3.synthesis import ExtrapolationPrompts, Sampling, part_parser
from synthlib.methods.s3.tasks import spec
from synthlib.teachers.base import request_key

SEED = [("a great film with superb acting", 1), ("great fun and a moving score", 1), ("superb and moving", 1),
        ("an awful film with wooden acting", 0), ("awful and dull", 0), ("a dull script and awful pacing", 0)]
PROBE = [("great acting", 1), ("awful acting", 0), ("a charming delightful story", 1),
         ("a tedious boring story", 0), ("not great at all, a tedious mess", 0), ("superb", 1),
         ("delightful and charming from start to end", 1), ("boring tedious and silly", 0),
         ("a lovely charming cast", 1), ("a silly boring plot", 0)]


def BagOfWordsLearner(fail_on_fit=None):  # noqa: N802 - reads like the class it builds
    """The deterministic bag-of-words student on IMDb-style rows."""
    return _BagOfWords(spec("imdb"), fail_on_fit)


def _rows(pairs, prefix):
    return [{"id": f"{prefix}-{i}", "text": text, "label": label} for i, (text, label) in enumerate(pairs)]


def _loop(directory, learner=None, selector=None, teacher=None):
    task = spec("imdb")
    teacher = teacher or scripted_s3_teacher()
    return FeedbackLoop(teacher, learner or BagOfWordsLearner(), selector or MisclassifiedSelector(),
                        ExtrapolationPrompts(task, Sampling(), seed=0), part_parser(task, plain=False),
                        _rows(PROBE, "probe"), directory), teacher


def test_two_rounds_extrapolate_exactly_the_misclassified_probe_rows(tmp_path):
    loop, teacher = _loop(tmp_path)
    result = loop.run(_rows(SEED, "seed"), rounds=2)
    probe = {r["id"]: r for r in _rows(PROBE, "probe")}
    n1 = len(result.rows_of_round(1))
    calls_by_round = {1: teacher.calls[:n1], 2: teacher.calls[n1:]}  # the teacher saw round 1, then round 2
    for k in (1, 2):
        # an independent student trained on everything before round k gives the errors to expect
        check = BagOfWordsLearner()
        check.fit([r for r in result.rows if r["round"] < k])
        predictions = check.predict(list(probe.values()))
        expected = {pid for pid, p in zip(probe, predictions, strict=True) if p != probe[pid]["label"]}
        made = result.rows_of_round(k)
        calls = {c.metadata["parent_id"]: c for c in calls_by_round[k]}
        assert expected, f"round {k} should have errors to extrapolate"
        assert len(expected) < len(probe), f"round {k}: some probe rows must be right (and left alone)"
        assert {r["parent_id"] for r in made} == expected
        assert len(made) == len(expected)  # one sample per error, none for the correct rows
        for row in made:
            parent = probe[row["parent_id"]]
            assert row["label"] == parent["label"]  # the gold label, not the student's prediction
            assert row["round"] == k and row["teacher"] == "stand-in-scripted"
            assert row["request_key"] == request_key(teacher.signature, calls[row["parent_id"]])
            assert row["text"] != parent["text"]
        summary = json.loads((tmp_path / "rounds" / f"round_{k}.json").read_text())
        assert set(summary["selected_ids"]) == expected
        assert summary["parse"]["kept"] == len(expected)
    assert json.loads((tmp_path / "state.json").read_text())["finished_round"] == 2


def test_a_loop_killed_in_round_two_resumes_there(tmp_path):
    reference, _ = _loop(tmp_path / "whole")
    expected = reference.run(_rows(SEED, "seed"), rounds=2)

    broken, _ = _loop(tmp_path / "resumed", learner=BagOfWordsLearner(fail_on_fit=2))
    with pytest.raises(RuntimeError, match="killed"):
        broken.run(_rows(SEED, "seed"), rounds=2)
    state = json.loads((tmp_path / "resumed" / "state.json").read_text())
    assert state["finished_round"] == 1
    assert not (tmp_path / "resumed" / "rounds" / "round_2.jsonl").exists()

    resumed, teacher = _loop(tmp_path / "resumed")
    result = resumed.run(_rows(SEED, "seed"), rounds=2)
    assert result.resumed_from == 1
    assert {c.metadata["parent_id"] for c in teacher.calls} == {r["parent_id"] for r in result.rows_of_round(2)}
    assert len(teacher.calls) == len(result.rows_of_round(2))  # round 1 was not asked again
    assert [r["text"] for r in result.rows] == [r["text"] for r in expected.rows]


def test_resume_refuses_a_different_probe_set(tmp_path):
    loop, _ = _loop(tmp_path)
    loop.run(_rows(SEED, "seed"), rounds=1)
    other = FeedbackLoop(scripted_s3_teacher(), BagOfWordsLearner(), MisclassifiedSelector(),
                         ExtrapolationPrompts(spec("imdb"), Sampling()), part_parser(spec("imdb"), plain=False),
                         _rows(PROBE[:5], "probe"), tmp_path)
    with pytest.raises(ValueError, match="probe set differs"):
        other.run(_rows(SEED, "seed"), rounds=2)


def test_goldgen_selector_extrapolates_the_probe_set_within_a_budget(tmp_path):
    loop, teacher = _loop(tmp_path, selector=AllSelector(budgets=[4, 3], seed=1))
    result = loop.run(_rows(SEED, "seed"), rounds=2)
    assert [len(result.rows_of_round(k)) for k in (1, 2)] == [4, 3]
    everything, _ = _loop(tmp_path / "all", selector=AllSelector())
    assert len(everything.run(_rows(SEED, "seed"), rounds=1).rows_of_round(1)) == len(PROBE)


_CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
import test_loop as t
from synthlib.methods.s3.learners import BagOfWordsLearner

class Hanging(BagOfWordsLearner):
    def fit(self, rows):
        if self.fits == 1:  # the second fit: round 2 has started
            Path({marker!r}).write_text("round 2")
            time.sleep(600)
        super().fit(rows)

loop, _ = t._loop(Path({directory!r}), learner=Hanging(t.spec("imdb")))
loop.run(t._rows(t.SEED, "seed"), rounds=2)
"""


def test_a_sigkilled_loop_resumes_at_its_last_finished_round(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    marker, directory = tmp_path / "marker", tmp_path / "loop"
    script = _CHILD.format(repo=str(Path(__file__).resolve().parents[1]), tests=str(Path(__file__).parent),
                           marker=str(marker), directory=str(directory))
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), "the child never reached round 2"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert json.loads((directory / "state.json").read_text())["finished_round"] == 1
    resumed, teacher = _loop(directory)
    result = resumed.run(_rows(SEED, "seed"), rounds=2)
    assert result.resumed_from == 1 and len(teacher.calls) == len(result.rows_of_round(2))
    reference, _ = _loop(tmp_path / "whole")
    assert [r["text"] for r in result.rows] == [r["text"] for r in reference.run(_rows(SEED, "seed"), 2).rows]
