"""The openai backend + cache against a real HTTP server on 127.0.0.1 that injects faults."""

import sqlite3

import pytest

from synthlib.teachers import CachedTeacher, CacheMissError, Request, SamplingParams
from synthlib.teachers.base import request_key
from synthlib.teachers.fake_server import FAULTS, FaultyServer
from synthlib.teachers.openai_compat import OpenAITeacher, TeacherHTTPError, _retry_after

SAMPLING = SamplingParams(max_new_tokens=16, temperature=0.7)


def _requests(n, chat_every=2):
    out = []
    for i in range(n):
        if i % chat_every:
            out.append(Request(messages=({"role": "user", "content": f"question {i}"},), sampling=SAMPLING,
                               seed=i % 7, sample_index=i % 3))
        else:
            out.append(Request(prompt=f"prompt {i}", sampling=SAMPLING, seed=1, sample_index=i))
    return out


def _teacher(server, **kw):
    settings = dict(concurrency=16, timeout=0.5, backoff_base=0.002, backoff_max=0.02, max_retries=20,
                    revision="fake-server")
    settings.update(kw)
    return OpenAITeacher("fake-model", server.base_url, **settings)


def test_1000_requests_with_30_percent_faults_complete_identically_and_are_stored_once(tmp_path):
    requests = _requests(1000)
    with FaultyServer() as clean:
        reference = [g.text for g in _teacher(clean).generate(requests)]
    assert clean.calls == 1000 and not clean.fault_counts

    with FaultyServer(fault_rate=0.3, slow_seconds=1.0, seed=3) as faulty:
        teacher = _teacher(faulty)
        cached = CachedTeacher(teacher, tmp_path / "cache.sqlite", progress=False)
        texts = [g.text for g in cached.generate(requests)]
        assert texts == reference
        assert set(faulty.fault_counts) == set(FAULTS)  # every kind of fault was really injected
        assert sum(faulty.fault_counts.values()) > 250  # ~30% of ~1,400 attempts
        assert teacher.retries >= sum(faulty.fault_counts.values())  # each fault cost the client one retry
        # every request reached the model; a second call only where a reply was late past the timeout
        assert len(faulty.served) == 1000
        assert faulty.calls - 1000 <= teacher.failure_reasons.get("timeout", 0)
        assert cached.stats.stored == 1000 and cached.stats.misses == 1000

        db = sqlite3.connect(tmp_path / "cache.sqlite")
        keys = [row[0] for row in db.execute("SELECT key FROM generations")]
        assert sorted(keys) == sorted(request_key(teacher.signature, r) for r in requests)
        db.close()

        # a rerun makes no teacher call at all
        calls = faulty.calls
        again = CachedTeacher(_teacher(faulty), tmp_path / "cache.sqlite", progress=False)
        assert [g.text for g in again.generate(requests)] == reference
        assert faulty.calls == calls and again.stats.hits == 1000 and again.stats.misses == 0
        cached.close()
        again.close()


def test_replay_mode_never_calls_the_teacher_and_fails_loudly_on_a_miss(tmp_path):
    requests = _requests(20)
    with FaultyServer() as server:
        CachedTeacher(_teacher(server), tmp_path / "c.sqlite", progress=False).generate(requests)
        replay = CachedTeacher(_teacher(server), tmp_path / "c.sqlite", mode="replay", progress=False)
        calls = server.calls
        assert all(g.cached for g in replay.generate(requests))
        with pytest.raises(CacheMissError, match="lacks 1 of 21 requests"):
            replay.generate(requests + [Request(prompt="new one", sampling=SAMPLING)])
        assert server.calls == calls


def test_runtime_settings_stay_out_of_the_key_but_sampling_and_seed_do_not(tmp_path):
    with FaultyServer() as server:
        a = CachedTeacher(_teacher(server, concurrency=2, timeout=5), tmp_path / "c.sqlite", progress=False)
        a.generate(_requests(10))
        b = CachedTeacher(_teacher(server, concurrency=16, timeout=9), tmp_path / "c.sqlite", progress=False)
        b.generate(_requests(10))
        assert b.stats.hits == 10
        base = Request(prompt="x", sampling=SAMPLING, seed=1)
        variants = [Request(prompt="x", sampling=SAMPLING, seed=2),
                    Request(prompt="x", sampling=SAMPLING, seed=1, sample_index=1),
                    Request(prompt="x", sampling=SamplingParams(max_new_tokens=16, temperature=0.8), seed=1),
                    Request(messages=({"role": "user", "content": "x"},), sampling=SAMPLING, seed=1)]
        keys = {request_key(a.signature, r) for r in [base, *variants]}
        assert len(keys) == 5


def test_a_client_error_fails_at_once_with_the_servers_message():
    with FaultyServer() as server:
        teacher = OpenAITeacher("m", server.base_url + "/wrong", max_retries=5, backoff_base=0.001)
        with pytest.raises(TeacherHTTPError, match="HTTP 404.*unknown path"):
            teacher.generate([Request(prompt="x")])
        assert teacher.retries == 0


def test_retries_run_out_with_a_clear_error():
    with FaultyServer(fault_rate=1.0, faults=("503",)) as server:
        teacher = OpenAITeacher("m", server.base_url, max_retries=3, backoff_base=0.001)
        with pytest.raises(TeacherHTTPError, match="gave up after 4 attempts, last failure: HTTP 503"):
            teacher.generate([Request(prompt="x")])


def test_retry_after_is_parsed_and_never_undercut():
    assert _retry_after("2") == 2.0
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: retry now
    assert _retry_after("soon") is None
    teacher = OpenAITeacher("m", "http://127.0.0.1:1/v1", backoff_base=0.001, backoff_max=0.01)
    assert all(teacher._delay(attempt, 1.5) >= 1.5 for attempt in range(5))
    assert all(teacher._delay(attempt, None) <= 0.01 for attempt in range(8))


def test_429_with_retry_after_is_retried_until_it_succeeds():
    with FaultyServer(fault_rate=0.5, faults=("429",), retry_after="0.01", seed=1) as server:
        teacher = _teacher(server)
        generations = teacher.generate(_requests(50))
        assert len(generations) == 50 and server.fault_counts["429"] > 5
        assert teacher.failure_reasons == {"HTTP 429": server.fault_counts["429"]}
