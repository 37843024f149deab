"""Shared pieces of the benchmark scripts: the hardware line and median timings after a warm-up."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

# like the Makefile: run directly, a benchmark reads the data mirror beside this checkout
os.environ.setdefault("SYNTHLIB_DATA_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "data"))


def hardware_line() -> str:
    """CPU model, cores, memory, torch threads and GPU (if any), as one line."""
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    parts = [f"hardware: {cpu}", f"{os.cpu_count()} cores", f"{memory:.0f} GiB RAM"]
    try:
        import torch

        parts.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
        if torch.cuda.is_available():
            parts.append(f"GPU {torch.cuda.get_device_name(0)}")
    except ImportError:
        pass
    load = os.getloadavg()[0]
    parts.append(f"load average {load:.1f}")
    return ", ".join(parts)


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_of(repeats: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Median and all values of ``repeats`` calls of ``measure`` (which returns its own figure)."""
    values = [measure() for _ in range(repeats)]
    return statistics.median(values), values


def ratio_line(name: str, value: float, ours: str, anchor: str, goal: str) -> str:
    """The closing line every benchmark prints (format in DESIGN.md section 6)."""
    return f"ratio {name} = {value:.2f} ({ours} vs {anchor}, goal {goal})"
