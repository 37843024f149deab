"""One thin adapter per method: which tasks it runs, why a (method, task) pair cannot run, and how.

=========  ===================================  =============================================
method     tasks                                through
=========  ===================================  =============================================
s3         imdb, rte, qnli, adversarial_qa      ``methods.s3``: seed synthesis + EES rounds
zerogen    imdb, rte, qnli, adversarial_qa      ``methods.s3.synthesis.seed_plain`` (plain prompts)
gold       rte, qnli, adversarial_qa            ``methods.gold``: OOD-guided loop, SCE student
craft      rte                                  ``methods.craft.retrieval`` + S3's context prompts:
                                                retrieved premises, teacher-written hypotheses
softsrv    imdb, rte, qnli                      ``softprompt`` + ``methods.softsrv.synthesis``: a soft
                                                prompt on the teacher's weights writes inputs, the
                                                teacher labels them
=========  ===================================  =============================================

The CRAFT and SoftSRV adapters carry each paper's recipe to classification tasks; the papers' own
settings (multiple-choice QA, generative QA with a causal student) are their chapters'. captransfer
has no adapter: its point is a metric the teacher writes where no human label exists, while every
task here is scored on human labels (see the README's compare notes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthlib.compare.adapters import craft, gold, s3, softsrv
from synthlib.compare.adapters.base import CellInput, CellOutput


@dataclass(frozen=True)
class Adapter:
    """A method as the grid sees it."""

    name: str
    tasks: tuple[str, ...]
    run: Callable[[CellInput], CellOutput]
    unsupported: Callable[[Any, str], str | None]


ADAPTERS: dict[str, Adapter] = {
    "s3": Adapter("s3", s3.TASKS, s3.run_s3, s3.unsupported),
    "zerogen": Adapter("zerogen", s3.TASKS, s3.run_zerogen, s3.unsupported),
    "gold": Adapter("gold", gold.TASKS, gold.run_gold, gold.unsupported),
    "craft": Adapter("craft", craft.TASKS, craft.run_craft, craft.unsupported),
    "softsrv": Adapter("softsrv", softsrv.TASKS, softsrv.run_softsrv, softsrv.unsupported),
}
METHODS = tuple(ADAPTERS)


def why_not(method: str, task: str, config: Any) -> str | None:
    """Why ``method`` cannot run ``task`` in this grid, or None when it can."""
    adapter = ADAPTERS[method]
    if task not in adapter.tasks:
        return f"{method} has no {task} (it runs {', '.join(adapter.tasks)})"
    return adapter.unsupported(config, task)


__all__ = ["ADAPTERS", "METHODS", "Adapter", "CellInput", "CellOutput", "why_not"]
