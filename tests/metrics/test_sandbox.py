"""Generated code runs only in the sandbox: hostile programs are contained and scored as failures."""

import os
import time

import pytest

from synthlib.metrics.code import check_program, pass_at_1
from synthlib.metrics.sandbox import SandboxLimits, run_python

FAST = SandboxLimits(wall_seconds=5, cpu_seconds=3)


def test_a_correct_program_passes_and_a_wrong_one_fails():
    assert check_program("def add(a, b):\n    return a + b", ["assert add(1, 2) == 3"], limits=FAST).passed
    wrong = check_program("def add(a, b):\n    return a - b", ["assert add(1, 2) == 3"], limits=FAST)
    assert wrong.status == "failed" and "AssertionError" in wrong.stderr


def test_an_infinite_loop_is_stopped():
    result = run_python("while True:\n    pass", SandboxLimits(wall_seconds=2, cpu_seconds=10))
    assert not result.passed and result.status in {"timeout", "killed"} and result.seconds < 10


def test_a_fork_bomb_is_contained():
    bomb = "import os\nwhile True:\n    os.fork()"
    result = run_python(bomb, FAST)
    assert not result.passed and "PermissionError" in result.stderr
    spawn = "import subprocess\nsubprocess.run(['sh', '-c', ':(){ :|:& };:'])"
    assert "PermissionError" in run_python(spawn, FAST).stderr


def test_deleting_or_writing_files_outside_the_sandbox_is_refused(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    for program in (f"import os\nos.remove({str(victim)!r})", f"import shutil\nshutil.rmtree({str(tmp_path)!r})",
                    f"open({str(victim)!r}, 'w').write('gone')", f"import os\nos.rename({str(victim)!r}, 'x')"):
        result = run_python(program, FAST)
        assert not result.passed and "PermissionError" in result.stderr, program
    assert victim.read_text() == "keep me"


def test_files_inside_the_working_directory_are_fine_and_thrown_away():
    program = "open('scratch.txt', 'w').write('ok')\nimport os\nos.remove('scratch.txt')\nprint(os.getcwd())"
    result = run_python(program, FAST)
    assert result.passed
    assert not os.path.exists(result.stdout.strip())  # the working directory is deleted afterwards


def test_opening_a_socket_is_refused():
    program = "import socket\ns = socket.create_connection(('127.0.0.1', 22), timeout=1)"
    result = run_python(program, FAST)
    assert not result.passed and "PermissionError" in result.stderr


def test_memory_and_secrets_are_limited(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-sandbox-planted")
    hog = run_python("x = bytearray(4 * 1024 ** 3)", SandboxLimits(memory_bytes=512 << 20))
    assert not hog.passed and "MemoryError" in hog.stderr
    env = run_python("import os\nprint(sorted(os.environ))", FAST)
    assert "OPENAI_API_KEY" not in env.stdout


@pytest.mark.slow
def test_reference_solutions_of_real_mbpp_problems_pass(use_mirror):
    from synthlib.data import load_dataset

    problems = load_dataset("mbpp", "test", max_rows=10)
    started = time.perf_counter()
    score = pass_at_1(problems["code"], problems["test_list"], problems["test_setup_code"], FAST)
    assert score == 1.0, f"reference MBPP solutions should pass (took {time.perf_counter() - started:.1f}s)"
    assert pass_at_1(["def f(): pass"] * 3, problems["test_list"][:3], limits=FAST) == 0.0
