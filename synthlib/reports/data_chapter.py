"""What the Data chapter shows: one function per cell, each a one-line call in the notebook."""

from __future__ import annotations

from typing import Any

from synthlib.reports import data_plots
from synthlib.reports.chapter import glue_all, show, show_figure, table
from synthlib.reports.data_overview import summary_table


def setting(config: Any, run: Any, overview: Any) -> None:
    """The chapter's setting line; glues the survey's counts."""
    summary = summary_table(overview)
    glue_all(run, {"profile": config.profile, "n_datasets": int(summary["dataset"].nunique()),
                   "n_splits": len(summary), "n_rows": f"{int(summary['rows'].sum()):,}",
                   "length_sample": f"{config.length_sample:,}"})
    show(f"Profile **{config.profile}**; run directory `{run.path.name}`. No model is used in this chapter.")


def summary(overview: Any, run: Any) -> Any:
    """The per-split summary table (saved into the run and its results)."""
    frame = summary_table(overview)
    run.save_table(frame, "summary")
    run.save_results({"summary": frame.to_dict(orient="records")})
    return table(frame, {"rows": "{:,}", "median_words": "{:.0f}", "majority_share": "{:.1%}"}, na_rep="–")


def sizes(overview: Any, run: Any) -> None:
    """Rows per dataset and split (figure)."""
    show_figure(run, data_plots.plot_sizes(summary_table(overview)), "sizes")


def label_shares(overview: Any, run: Any) -> None:
    """Label shares per dataset and split (figure)."""
    show_figure(run, data_plots.plot_label_shares(overview.labels), "label_shares")


def lengths(overview: Any, run: Any) -> None:
    """Word-length distributions (figure)."""
    show_figure(run, data_plots.plot_lengths(overview.lengths), "lengths")
