"""What the Teachers chapter shows: one function per cell, each a one-line call in the notebook."""

from __future__ import annotations

from typing import Any

from synthlib.reports import teachers
from synthlib.reports.chapter import glue_all, model_note, show, show_figure, table


def setting(config: Any, run: Any, report: Any) -> None:
    """The teacher's signature line; glues parse rates and cache timings."""
    rates = report.parse_rates
    main = rates[rates["decoding"] == rates["decoding"].iloc[0]]
    shares = teachers.usable_table(report)
    first, rerun = report.throughput.iloc[0], report.throughput.iloc[-1]
    glue_all(run, {
        "profile": config.profile, "teacher": config.teacher,
        "teacher_kind": "a tiny random" if report.stand_in else "a real", "n_formats": len(main),
        "n_teachers": shares.shape[1], "best_teacher": teachers.best_teacher(report),
        "best_min_share": f"{shares[teachers.best_teacher(report)].min():.0%}",
        "samples_per_format": config.samples_per_format, "min_parse_rate": f"{main['parse_rate'].min():.0%}",
        "mean_parse_rate": f"{main['parse_rate'].mean():.0%}", "first_seconds": f"{first['seconds']:.1f}",
        "first_tokens_per_s": f"{first['tokens_per_s']:.0f}", "rerun_seconds": f"{rerun['seconds']:.2f}",
        "rerun_hit_rate": f"{rerun['hit_rate']:.0%}", "rerun_calls": int(rerun["teacher_calls"]),
        "rerun_speedup": f"{first['seconds'] / max(rerun['seconds'], 1e-9):.0f}"})
    signature = report.signature
    run.save_results({"signature": signature})
    show(f"Profile **{config.profile}**; teacher `{config.teacher}` (backend `{signature['backend']}`, revision "
         f"`{signature['revision']}`): {model_note(config.teacher)}"
         + (" — **a tiny random model: its outputs show the pipeline, not what a real teacher writes.**"
            if report.stand_in else "."))


def usable_shares(report: Any) -> Any:
    """Usable share per format (rows) and teacher (columns), with each teacher's delivery style."""
    shares = teachers.usable_table(report)
    styles = report.usable.drop_duplicates("teacher").set_index("teacher")["style"]
    shares.columns = [f"{name} ({styles[name]})" for name in shares.columns]
    return table(shares.reset_index(), {c: "{:.0%}" for c in shares.columns})


def parse_rates(report: Any, run: Any) -> Any:
    """Usable share per format for the chapter's teacher (figure and table)."""
    show_figure(run, teachers.plot_parse_rates(report), "parse_rates")
    return table(report.parse_rates, {"parse_rate": "{:.0%}"})


def rejections(report: Any) -> Any:
    """Counted rejection reasons, or a line saying there were none."""
    if len(report.rejections):
        return report.rejections
    show("No output was rejected.")
    return None


def throughput(report: Any) -> Any:
    """First run against the cached rerun."""
    return table(report.throughput, {"seconds": "{:.2f}", "tokens_per_s": "{:.0f}", "hit_rate": "{:.0%}"})


def examples(report: Any) -> None:
    """Example outputs per format, as the teacher wrote them."""
    for row in report.examples.itertuples():
        status = "parsed" if row.parsed else f"rejected: {row.reason}"
        show(f"**{row.format}** ({row.decoding}, {status}){' — tiny random model' if report.stand_in else ''}")
        print(row.output)
