"""What the comparison chapter shows: one function per cell, each a one-line call in the notebook.

Every function copes with any valid grid (one method, one seed, cells that trained nothing): a
number that cannot be computed is glued as "n/a" rather than failing.
"""

from __future__ import annotations

from typing import Any

from synthlib.compare import analysis
from synthlib.reports.chapter import glue_all, model_note, show, show_figure, table


def setting(config: Any, run: Any, result: Any) -> Any:
    """The setting line (teacher, students, grid, budgets) and the glued headline facts."""
    frame = result.table
    runs = frame[frame["method"] != analysis.UNTUNED]
    used = runs["budget_used"]
    show(f"Profile **{config.profile}**. One teacher for every cell: **{config.teacher}** "
         f"({model_note(config.teacher)}). Classifier student **{config.student}** ({model_note(config.student)})"
         + (f", QA student **{config.qa_student}** ({model_note(config.qa_student)})"
            if "adversarial_qa" in config.tasks else "")
         + f". Grid: {', '.join(config.methods)} x {', '.join(config.tasks)} x seeds {config.seeds} x teacher-token "
         f"budgets {', '.join(f'{b:,}' for b in config.budgets)}; every final student trains {config.student_steps} "
         f"steps; {config.pool_rows} pool and {config.test_rows or 'all'} test rows per task. Cells are kept in "
         f"`{result.grid_dir}`.")
    glue_all(run, {"profile": config.profile, "teacher": config.teacher, "student": config.student,
                   "cells": len(frame), "seeds": len(config.seeds),
                   "budget_used_min": f"{used.min():.1%}" if len(used) else "n/a",
                   "budget_used_max": f"{used.max():.1%}" if len(used) else "n/a",
                   "teacher_kind": "a STAND-IN teacher" if result.stand_in else "a real teacher"})
    return table(frame, {"score": "{:.1f}", "budget_used": "{:.1%}", "teacher_seconds": "{:.1f}",
                         "student_seconds": "{:.1f}"},
                 columns=["method", "task", "seed", "budget", "score", "teacher_tokens", "budget_used",
                          "teacher_seconds", "student_seconds", "kept_samples", "cached_calls", "refused_calls",
                          "device", "note"])


def scores(result: Any, run: Any = None) -> Any:
    """Score per task, method and budget: mean and standard deviation over seeds."""
    summary = analysis.spread(result.table)
    if run is not None:
        run.save_table(summary, "spread")
    return table(summary, {"score": "{:.1f}", "std": "{:.1f}", "teacher_tokens": "{:,.0f}",
                           "teacher_seconds": "{:.1f}", "student_seconds": "{:.1f}", "kept_samples": "{:.1f}"})


def cost_curve(result: Any, run: Any = None) -> None:
    """Score against teacher tokens spent, one panel per task, error bars over seeds, untuned as a line."""
    import matplotlib.pyplot as plt

    summary = analysis.spread(result.table)
    base = analysis.untuned_means(result.table)
    tasks = sorted(summary["task"].unique()) or sorted(base)
    figure, axes = plt.subplots(1, max(1, len(tasks)), figsize=(5 * max(1, len(tasks)), 3.6), squeeze=False)
    for axis, task in zip(axes[0], tasks, strict=False):
        for method, group in summary[summary["task"] == task].groupby("method"):
            axis.errorbar(group["teacher_tokens"], group["score"], yerr=group["std"].fillna(0), marker="o",
                          capsize=3, label=method)
        if task in base:
            axis.axhline(base[task], color="grey", linestyle="--", label="untuned student")
        axis.set_title(task)
        axis.set_xlabel("teacher tokens spent (mean over seeds)")
        axis.set_ylabel("test score (%)")
        axis.legend(fontsize=8)
    show_figure(run, figure, "cost_curve")


def cost_per_point(result: Any, run: Any = None) -> Any:
    """Gain over the untuned student and teacher tokens per point gained."""
    frame = analysis.cost_per_point(result.table)
    if run is not None:
        run.save_table(frame, "cost_per_point")
    return table(frame, {"score": "{:.1f}", "untuned": "{:.1f}", "gain": "{:+.1f}", "teacher_tokens": "{:,.0f}",
                         "tokens_per_point": "{:,.0f}"}, na_rep="no gain")


def significance(config: Any, result: Any, run: Any = None) -> Any:
    """Welch's t-test between the two best methods per task and budget, and the plain verdict (glued)."""
    tests = analysis.significance(result.table, config.alpha)
    sentence = analysis.verdict(tests, config.alpha)
    if result.stand_in:  # a scripted teacher or a random student: the grid's plumbing, never a finding
        sentence = ("With a STAND-IN teacher or student these scores check the bookkeeping and are not findings. "
                    + sentence)
    if run is not None:
        run.save_table(tests, "significance")
        glue_all(run, {"verdict": sentence})
    show(f"**Who wins where.** {sentence}")
    return table(tests, {"gap": "{:+.1f}", "t": "{:.2f}", "p": "{:.3g}"})
