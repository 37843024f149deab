"""The metering teacher: every distinct call is charged once, cached calls at their original cost,
and the teacher stops (truncates, then refuses) when the budget is spent."""

from __future__ import annotations

import pytest

from synthlib.compare.meter import MIN_COMPLETION, PROMPT_TOKENS, REFUSED, MeteredTeacher
from synthlib.teachers.base import Generation, Request, SamplingParams, Teacher, TeacherSignature
from synthlib.teachers.cache import CachedTeacher


class WordTeacher(Teacher):
    """Answers ``n`` words for a prompt ending in ``n``; prompt tokens = prompt words (like a tokenizer would)."""

    def __init__(self):
        self.asked: list[Request] = []

    @property
    def signature(self):
        return TeacherSignature(backend="test", model="words", stand_in=True)

    def _generate(self, requests, on_result):
        out = []
        for index, request in enumerate(requests):
            self.asked.append(request)
            words = min(int(request.prompt.split()[-1]), request.sampling.max_new_tokens)
            generation = Generation(text=" ".join(["wörd"] * words), prompt_tokens=len(request.prompt.split()),
                                    completion_tokens=words)
            if on_result:
                on_result(index, generation)
            out.append(generation)
        return out


def _requests(n, words=10, max_new=20, prefix="écrire  un\ttexte de"):
    return [Request(prompt=f"{prefix} {i} {words}", sampling=SamplingParams(max_new_tokens=max_new), sample_index=i)
            for i in range(n)]


def test_every_call_is_charged_prompt_plus_completion_tokens():
    meter = MeteredTeacher(WordTeacher(), 10_000)
    meter.generate(_requests(3))
    assert meter.prompt_tokens == 3 * 6 and meter.completion_tokens == 3 * 10 and meter.spent == 48
    assert meter.calls == 3 and meter.refused_calls == 0 and not meter.exhausted


def test_a_repeated_request_is_charged_once_and_answered_again():
    inner = WordTeacher()
    meter = MeteredTeacher(inner, 10_000)
    meter.generate(_requests(2))
    again = meter.generate(_requests(3))
    assert meter.spent == 3 * 16 and meter.calls == 3 and all(g.text for g in again)


def test_cached_calls_count_what_they_cost_when_made(tmp_path):
    first = MeteredTeacher(CachedTeacher(WordTeacher(), tmp_path / "c.sqlite", progress=False), 10_000)
    first.generate(_requests(4, words=7))
    inner = WordTeacher()
    second = MeteredTeacher(CachedTeacher(inner, tmp_path / "c.sqlite", progress=False), 10_000)
    second.generate(_requests(4, words=7))
    assert inner.asked == [] and second.cached_calls == 4
    assert second.spent == first.spent == 4 * (6 + 7)


def test_the_teacher_stops_within_the_budget_and_refuses_the_rest():
    inner = WordTeacher()
    meter = MeteredTeacher(inner, 200)
    out = meter.generate(_requests(30))
    assert meter.spent <= 200 and 200 - meter.spent < 6 + 20  # under by less than one request's estimate
    refused = [g for g in out if g.finish_reason == REFUSED]
    assert refused and all(g.text == "" for g in refused) and meter.exhausted
    assert len(inner.asked) + len(refused) == 30 == meter.calls + meter.refused_calls


def test_the_last_request_is_truncated_to_what_is_left():
    inner = WordTeacher()
    meter = MeteredTeacher(inner, 6 + 20 + 6 + 12)  # room for one full answer and a cut one
    meter.generate(_requests(2, words=20))
    assert [r.sampling.max_new_tokens for r in inner.asked] == [20, 12] and meter.truncated_calls == 1
    assert meter.spent == 44


def test_nothing_is_sent_when_less_than_the_minimum_completion_is_left():
    inner = WordTeacher()
    meter = MeteredTeacher(inner, 6 + MIN_COMPLETION - 1)
    out = meter.generate(_requests(1))
    assert inner.asked == [] and out[0].finish_reason == REFUSED and meter.spent == 0


def test_a_cap_limits_a_phase_but_not_the_budget():
    meter = MeteredTeacher(WordTeacher(), 1000)
    with meter.cap(100):
        meter.generate(_requests(20))
        assert meter.spent <= 100 and meter.exhausted
    assert not meter.exhausted and meter.remaining == 1000 - meter.spent
    meter.generate(_requests(5, prefix="autre"))
    assert meter.spent > 100


def test_a_second_model_metered_apart_is_charged_to_the_cell_too():
    cell, other = MeteredTeacher(WordTeacher(), 1000), MeteredTeacher(WordTeacher(), 100)
    cell.generate(_requests(2))
    other.generate(_requests(3, prefix="zweites Modell"))
    cell.absorb(other)
    assert cell.spent == 2 * 16 + 3 * 14 and cell.calls == 5 and cell.remaining == 1000 - cell.spent


class ContextTeacher(WordTeacher):
    """Reads 2 positions whatever the request's text (as a soft prompt reads its t vectors, not its context)."""

    def _generate(self, requests, on_result):
        out = super()._generate(requests, None)
        for generation in out:
            generation.prompt_tokens = 2
        return out


def test_a_known_prompt_length_replaces_the_estimate():
    inner = ContextTeacher()
    meter = MeteredTeacher(inner, 40)
    long_context = "ein sehr langer Kontext " * 50  # the request's text; the model reads 2 positions only
    requests = [Request(prompt=f"{long_context} {i} 10", sampling=SamplingParams(max_new_tokens=10), sample_index=i,
                        metadata={PROMPT_TOKENS: 2}) for i in range(3)]
    meter.generate(requests)
    assert len(inner.asked) == 3 and meter.refused_calls == 0 and meter.spent == 36  # estimated 2 + 10, not ~200 + 10


def test_a_budget_must_be_positive():
    with pytest.raises(ValueError, match="budget must be >= 1"):
        MeteredTeacher(WordTeacher(), 0)
