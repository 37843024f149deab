"""Run untrusted generated Python in a sandbox and report whether it passed.

Layers, from the outside in:

1. a fresh throw-away working directory per program, deleted afterwards;
2. a new session (process group) killed as a whole at the wall-clock timeout;
3. resource limits: CPU seconds, address space, file size, no core dumps;
4. no network: a new network namespace (``unshare --net``) when the platform allows it, and
   in every case an audit hook that refuses to create sockets;
5. a Python audit hook (``sys.addaudithook`` cannot be removed once installed) that refuses
   process creation (fork, exec, spawn, subprocess, os.system: no fork bombs), loading native
   code through ctypes, and any write, delete, rename or permission change outside the working
   directory.

The threat model is buggy or careless model output (infinite loops, ``rm -rf``, stray network
calls, runaway recursion), not a determined attacker with native code execution.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GUARD = r'''
import os, sys
sys.dont_write_bytecode = True
_ROOT = os.path.realpath(os.getcwd())
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_NO_PROCESSES = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                 "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg"}
_PATH_CHANGES = {"os.remove", "os.rmdir", "os.rename", "os.replace", "shutil.rmtree", "os.truncate",
                 "os.chmod", "os.chown", "os.symlink", "os.link", "os.mkdir", "os.utime", "shutil.move",
                 "shutil.copyfile", "os.chdir", "os.unlink"}

def _inside(path):
    if isinstance(path, int):  # file descriptors were opened under the same rules
        return True
    real = os.path.realpath(os.fsdecode(path))
    return real == _ROOT or real.startswith(_ROOT + os.sep)

def _guard(event, args):
    if event.startswith("socket.") or event in _NO_PROCESSES or event.startswith("ctypes."):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event in _PATH_CHANGES and args and not all(_inside(a) for a in args[:2] if isinstance(a, (str, bytes, int, os.PathLike))):
        raise PermissionError(f"sandbox: {event} outside the working directory is not allowed")
    if event == "open" and args[0] is not None:
        mode, flags = args[1] or "r", args[2] or 0
        writing = any(c in str(mode) for c in "wax+") or bool(flags & _WRITE_FLAGS)
        if writing and not _inside(args[0]):
            raise PermissionError("sandbox: writing outside the working directory is not allowed")

sys.addaudithook(_guard)
del _guard
_source = open(sys.argv[1]).read()
exec(compile(_source, "program.py", "exec"), {"__name__": "__main__"})
'''


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one sandboxed program."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 5
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    isolate_network: bool = True  # try a network namespace; the audit hook blocks sockets regardless


DEFAULT_LIMITS = SandboxLimits()


@dataclass(frozen=True)
class SandboxResult:
    """Outcome: ``status`` is passed, failed (non-zero exit), timeout or killed (resource limit)."""

    status: str
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def passed(self) -> bool:
        """True only for a program that exited 0 within its limits."""
        return self.status == "passed"


def run_python(source: str, limits: SandboxLimits = DEFAULT_LIMITS) -> SandboxResult:
    """Execute ``source`` in the sandbox; never raises for anything the program does."""
    workdir = Path(tempfile.mkdtemp(prefix="synthlib-sandbox-"))
    try:
        (workdir / "program.py").write_text(source)
        (workdir / "_guard.py").write_text(GUARD)
        command = [sys.executable, "-I", "-B", "_guard.py", "program.py"]
        if limits.isolate_network and _can_unshare_network():
            command = ["unshare", "--net", "--"] + command
        return _execute(command, workdir, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _execute(command: list[str], workdir: Path, limits: SandboxLimits) -> SandboxResult:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_clean_env(workdir), start_new_session=True,
                               preexec_fn=lambda: _set_limits(limits))
    try:
        stdout, stderr = process.communicate(timeout=limits.wall_seconds)
        status = "passed" if process.returncode == 0 else ("killed" if process.returncode < 0 else "failed")
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        status = "timeout"
    return SandboxResult(status, process.returncode, stdout.decode(errors="replace")[-4000:],
                         stderr.decode(errors="replace")[-4000:], time.perf_counter() - started)


def _set_limits(limits: SandboxLimits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _clean_env(workdir: Path) -> dict[str, str]:
    # no secrets, no proxies, no PYTHONPATH: only what an interpreter needs
    return {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0"}


_UNSHARE_OK: bool | None = None


def _can_unshare_network() -> bool:
    global _UNSHARE_OK
    if _UNSHARE_OK is None:
        try:
            _UNSHARE_OK = shutil.which("unshare") is not None and subprocess.run(
                ["unshare", "--net", "--", "true"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            _UNSHARE_OK = False
    return _UNSHARE_OK
