"""What the Students chapter shows: one function per cell, each a one-line call in the notebook."""

from __future__ import annotations

from typing import Any

from synthlib.reports import student_plots
from synthlib.reports.chapter import glue_all, model_note, show, show_figure, table


def setting(config: Any, run: Any, report: Any) -> None:
    """The student and training setting; glues the learning curve's ends and the AUROCs."""
    show(f"Profile **{config.profile}**; student **{config.student}**: {model_note(config.student)}. "
         f"Seeds {config.seeds}, {config.epochs:g} epochs, learning rate {config.learning_rate:g}, "
         f"batch {config.batch_size}. Run directory `{run.path.name}`.")
    curve = report.curve.groupby("size")["accuracy"].mean()
    glue_all(run, {"profile": config.profile, "student": config.student,
                   "smallest_size": f"{curve.index.min():,}", "largest_size": f"{curve.index.max():,}",
                   "acc_smallest": f"{curve.iloc[0]:.1%}", "acc_largest": f"{curve.iloc[-1]:.1%}",
                   "majority_share": f"{report.majority_share:.1%}"})
    glue_all(run, {f"auroc_{source}": f"{value:.3f}"
                   for source, value in zip(report.auroc["out_of_distribution"], report.auroc["auroc"])})


def learning_curve(config: Any, report: Any, run: Any) -> Any:
    """Accuracy by training size (figure and table)."""
    figure = student_plots.plot_learning_curve(report.curve, report.majority_share, config.student)
    show_figure(run, figure, "learning_curve")
    return table(report.curve, {"accuracy": "{:.1%}", "macro_f1": "{:.3f}", "train_seconds": "{:.1f}",
                                "examples_per_second": "{:.1f}"})


def energies(report: Any, run: Any) -> Any:
    """Energy histogram of in- and out-of-distribution text (figure) and the AUROC table."""
    show_figure(run, student_plots.plot_energy_histogram(report.energies), "energy_histogram")
    return table(report.auroc, {"auroc": "{:.3f}"})
