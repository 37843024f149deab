"""What the Retrieval chapter shows: one function per cell, each a one-line call in the notebook."""

from __future__ import annotations

from typing import Any

from synthlib.reports import retrieval
from synthlib.reports.chapter import glue_all, show, show_figure, table


def setting(config: Any, run: Any, report: Any) -> None:
    """The encoder and store line; glues the store's size and build time."""
    store = report.store
    build = report.timings.iloc[0]
    glue_all(run, {
        "profile": config.profile, "n_docs": f"{store['documents']:,}", "n_shards": store["shards"],
        "max_seq_length": config.max_seq_length, "n_fewshots": config.n_fewshots,
        "n_retrieve": f"{config.n_retrieve:,}",
        "store_build": f"{build.seconds:.0f} s ({build.detail})" if not store["cached"]
        else "none: the store was cached by an earlier run with the same recipe"})
    show(f"Profile **{config.profile}**; encoder `{config.embedder}` (real all-MiniLM-L6-v2 weights when `minilm`), "
         f"reading the first {config.max_seq_length} tokens of each document; search on `{store['device']}`; "
         f"run directory `{run.path.name}`. No teacher model is used in this chapter.")


def top_documents(report: Any, run: Any) -> Any:
    """The top documents per task (saved into the run)."""
    run.save_table(report.top_documents, "top_documents")
    run.save_results({"top_documents": report.top_documents.to_dict(orient="records")})
    return table(report.top_documents, {"similarity": "{:.3f}"})


def similarities(report: Any, run: Any) -> None:
    """Similarity of every document to each task's mean few-shot (figure)."""
    show_figure(run, retrieval.plot_similarities(report), "similarities")


def retrieved_share(report: Any) -> Any:
    """Documents the mixed retrieval chose, per task and strategy."""
    share = report.retrieved.groupby(["task", "strategy"]).size().unstack(fill_value=0)
    share.columns.name = None
    return share.reset_index()


def agreement(report: Any, run: Any) -> Any:
    """Recall@k of two-stage against exact search (figure and table); glues the lowest recall."""
    show_figure(run, retrieval.plot_agreement(report), "two_stage_agreement")
    frame = report.agreement.pivot(index="k", columns="top_percent", values="recall")
    frame.columns = [f"top {p:g}% per shard" for p in frame.columns]
    glue_all(run, {"recall_lowest": f"{report.agreement['recall'].min():.1%}"})
    return frame.style.format("{:.1%}")


def timings(report: Any, run: Any) -> Any:
    """Seconds per step (saved into the run)."""
    run.save_table(report.timings, "timings")
    return table(report.timings, {"seconds": "{:.3f}"})


def filters(report: Any, run: Any) -> Any:
    """The filter pipeline's report; glues how many samples it rejected."""
    if report.filters is None:
        show("The filter demo is switched off in this profile (`filter_samples: 0`).")
        return None
    glue_all(run, {"filter_in": f"{int(report.filters['rejected'].sum()):,}"})
    return table(report.filters, {"share_of_input": "{:.1%}"})
