"""Shared helpers for benchmark scripts: hardware line, timing medians, the closing ratio line."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable


def hardware_line() -> str:
    """CPU model, core count, memory and (if any) CUDA device, printed first by every benchmark."""
    cpu = platform.processor() or "unknown cpu"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    except ImportError:
        gpu = "torch missing"
    return f"hardware: {cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {gpu}"


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, list[float]]:
    """Run ``fn`` ``warmup`` times untimed, then ``repeats`` times; return the median and all times."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def ratio_line(name: str, ratio: float, ours: str, anchor: str, goal: float) -> str:
    """The one closing line every benchmark prints."""
    return f"ratio {name} = {ratio:.2f} ({ours} vs {anchor}, goal >= {goal:g})"


def median_of(repeats: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Median and all values of ``repeats`` calls of ``measure``."""
    values = [measure() for _ in range(repeats)]
    return statistics.median(values), values
