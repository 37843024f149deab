"""Crash safety of the cache: SIGKILL at random points, concurrent writer processes, no leaked key."""

import dataclasses
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from synthlib.config import BaseConfig
from synthlib.teachers import Request, SamplingParams, load_teacher
from synthlib.teachers.fake_server import FaultyServer

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from synthlib.teachers import Request, SamplingParams, load_teacher
url, db, first, last, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
teacher = load_teacher(f"openai:fake@{url}", cache=db, progress=False, concurrency=concurrency,
                       backoff_base=0.001, revision="fake-server")
requests = [Request(prompt=f"p{i}", sampling=SamplingParams(max_new_tokens=8), seed=i) for i in range(first, last)]
print(len(teacher.generate(requests)), teacher.stats.hits, flush=True)
"""


def _start(server, db, first, last, concurrency=4):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, server.base_url, str(db), str(first), str(last),
                             str(concurrency)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(db):
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT COUNT(*) FROM generations").fetchone()[0] if _has_table(con) else 0
    finally:
        con.close()


def _has_table(con):
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'generations'").fetchone() is not None


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_loses_nothing_and_generates_nothing_twice(tmp_path):
    n, concurrency, kills = 400, 4, 0
    db = tmp_path / "cache.sqlite"
    rng = random.Random(7)
    progress = []
    with FaultyServer(latency=0.02) as server:  # about 2 s for a full run
        while kills < 6:
            process = _start(server, db, 0, n, concurrency)
            time.sleep(rng.uniform(0.8, 2.2))
            if process.poll() is not None:  # finished before the kill: too late, not a crash test
                break
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert process.returncode == -signal.SIGKILL
            kills += 1
            progress.append(_rows(db) if db.exists() else 0)  # readable after every kill
        assert kills >= 5, f"only {kills} kills landed mid-run; the run got faster than the kill window"
        assert progress[-1] < n and progress == sorted(progress)
        final = _start(server, db, 0, n, concurrency)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err
        generated, hits = map(int, out.split())
        assert generated == n and hits == progress[-1]  # the rerun resumed exactly where the cache stopped
        assert _rows(db) == n
        # nothing lost: every request was served; nothing generated twice beyond replies in flight at a kill
        assert len(server.served) == n
        assert server.calls - n <= kills * concurrency
        calls = server.calls
        again = _start(server, db, 0, n, concurrency)
        assert again.communicate(timeout=120)[0].split() == [str(n), str(n)]
        assert server.calls == calls


@pytest.mark.slow
def test_concurrent_writer_processes_share_one_database(tmp_path):
    db = tmp_path / "shared.sqlite"
    with FaultyServer(latency=0.002) as server:
        processes = [_start(server, db, start, start + 150) for start in (0, 50, 100, 150)]
        for process in processes:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    assert _rows(db) == 300  # the union of the overlapping ranges, each request once


@dataclasses.dataclass
class _TinyConfig(BaseConfig):
    name = "planted-key-test"
    teacher: str = "tiny-random-gpt2"


def test_a_planted_api_key_never_reaches_cache_manifest_or_logs(tmp_path, monkeypatch, caplog, capfd):
    from synthlib.runs import open_run

    planted = f"sk-planted-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", planted)
    monkeypatch.setenv("SYNTHLIB_FAKE_TOKEN", planted)  # a secret-looking setting in the environment too
    caplog.set_level(logging.DEBUG)
    with FaultyServer(fault_rate=0.2, faults=("429", "500"), seed=2) as server:
        reference = f"openai:fake-model@{server.base_url}"
        teacher = load_teacher(reference, cache=tmp_path / "cache.sqlite", backoff_base=0.001)
        generations = teacher.generate([Request(prompt=f"q{i}", sampling=SamplingParams(max_new_tokens=4))
                                        for i in range(30)])
        assert len(generations) == 30
        # the key was really used: it reached the server in the Authorization header
        assert any(h.get("Authorization") == f"Bearer {planted}" for h in server.headers_seen)
        run = open_run(_TinyConfig(teacher=reference), root=tmp_path / "runs")
        run.add_model("teacher", teacher.signature.to_dict())
        run.save_results({"teacher_stats": teacher.stats.to_dict(), "repr": repr(teacher)})
        teacher.close()
    captured = capfd.readouterr()
    texts = [caplog.text, captured.out, captured.err]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("cache.sqlite") for p in files) and any(p.name == "manifest.json" for p in files)
    assert all(planted.encode() not in p.read_bytes() for p in files)
    assert all(planted not in text for text in texts)
