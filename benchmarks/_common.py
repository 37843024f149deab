"""Shared helpers of the benchmark scripts: the hardware line, medians, the ratio line."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable


def hardware_line() -> str:
    """One line naming CPU count, memory, GPU and library versions."""
    import torch

    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = float("nan")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"hardware: {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), "
            f"{memory:.0f} GiB RAM, {gpu}; python {platform.python_version()}, torch {torch.__version__}, "
            f"threads {torch.get_num_threads()}")


def median_of(repeats: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    """Median and all values of ``repeats`` calls of ``measure``."""
    values = [measure() for _ in range(repeats)]
    return statistics.median(values), values


def ratio_line(name: str, value: float, ours: str, anchor: str, goal: float) -> str:
    """The last line every benchmark prints (format of DESIGN.md section 6)."""
    return f"ratio {name} = {value:.1f} ({ours} vs {anchor}, goal >= {goal:g})"
