import json
import os
import signal
import subprocess
import sys
import time

import pytest

from synthlib.runs import atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    atomic.write_json(target, {"accuracy": 0.5})

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic.write_json(target, {"accuracy": 0.9})
    assert json.loads(target.read_text()) == {"accuracy": 0.5}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_json_accepts_numpy_and_writes_nan_as_null(tmp_path):
    import numpy as np

    atomic.write_json(tmp_path / "r.json", {"x": np.float32(0.25), "v": np.arange(3), "bad": float("nan")})
    assert json.loads((tmp_path / "r.json").read_text()) == {"x": 0.25, "v": [0, 1, 2], "bad": None}


WRITER = """
import sys
from synthlib.runs.atomic import write_json
i = 0
while True:
    i += 1
    write_json(sys.argv[1], {"i": i, "payload": "x" * 200_000})
"""


def test_sigkill_mid_write_never_leaves_a_torn_file(tmp_path):
    target = tmp_path / "state.json"
    for attempt in range(5):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
        deadline = time.time() + 20
        while not target.exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.05 + 0.03 * attempt)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = json.loads(target.read_text())  # a torn file would fail to parse
        assert state["i"] >= 1 and len(state["payload"]) == 200_000
