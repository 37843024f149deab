"""What the Teachers chapter shows: one function per cell, each a one-line call in the notebook."""

from __future__ import annotations

from typing import Any

from synthlib.reports import teachers
from synthlib.reports.chapter import glue_all, save_figure, show, table


def setting(config: Any, run: Any, report: Any) -> None:
    """The teacher's signature line; glues parse rates and cache timings."""
    rates = report.parse_rates
    main = rates[rates["decoding"] == rates["decoding"].iloc[0]]
    first, rerun = report.throughput.iloc[0], report.throughput.iloc[-1]
    glue_all(run, {
        "profile": config.profile, "teacher": config.teacher,
        "teacher_kind": "a STAND-IN" if report.stand_in else "a real", "n_formats": len(main),
        "samples_per_format": config.samples_per_format, "min_parse_rate": f"{main['parse_rate'].min():.0%}",
        "mean_parse_rate": f"{main['parse_rate'].mean():.0%}", "first_seconds": f"{first['seconds']:.1f}",
        "first_tokens_per_s": f"{first['tokens_per_s']:.0f}", "rerun_seconds": f"{rerun['seconds']:.2f}",
        "rerun_hit_rate": f"{rerun['hit_rate']:.0%}", "rerun_calls": int(rerun["teacher_calls"]),
        "rerun_speedup": f"{first['seconds'] / max(rerun['seconds'], 1e-9):.0f}"})
    signature = report.signature
    run.save_results({"signature": signature})
    show(f"Profile **{config.profile}**; teacher `{config.teacher}` (backend `{signature['backend']}`, revision "
         f"`{signature['revision']}`)" + (" — **STAND-IN: synthlib's own small LM trained on local text; its "
                                          "outputs demonstrate the pipeline, not what a real teacher writes.**"
                                          if report.stand_in else "."))


def parse_rates(report: Any, run: Any) -> Any:
    """Parse rate per format (figure and table)."""
    save_figure(run, teachers.plot_parse_rates(report), "parse_rates")
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
        show(f"**{row.format}** ({row.decoding}, {status}){' — STAND-IN output' if report.stand_in else ''}")
        print(row.output)
