"""What the S3 chapter and its ablations show: one function per cell, each a one-line call.

Every function copes with any valid config (a subset of methods or tasks): a number that needs a
method that was not run is glued as "n/a" rather than failing.
"""

from __future__ import annotations

from typing import Any

from synthlib.reports.chapter import glue_all, mean_gap, model_note, show, show_figure, table


def _students(config: Any) -> str:
    text = f"Student **{config.student}**: {model_note(config.student)}"
    if "adversarial_qa" in config.tasks:
        text += f"; AdversarialQA student **{config.qa_student}**: {model_note(config.qa_student)}"
    return text


def _score_pivot(scores: Any) -> Any:
    """task x method of accuracy (exact match for QA); empty when nothing was scored."""
    import pandas as pd

    columns = [c for c in ("accuracy", "exact_match") if c in scores]
    if not columns or not len(scores):
        return pd.DataFrame()
    score = scores[columns[0]]
    for column in columns[1:]:
        score = score.fillna(scores[column])
    return scores.assign(score=score).pivot_table(index="task", columns="method", values="score")


def setting(config: Any, run: Any, result: Any) -> Any:
    """The chapter's setting line, the probe sets, and the glued headline numbers."""
    import pandas as pd

    from synthlib.methods.s3.tasks import spec

    show(f"Profile **{config.profile}**. Teacher **{config.teacher}**: {model_note(config.teacher)}. "
         f"{_students(config)}. Seed {config.seed_size} samples, {config.rounds} EES rounds, probe "
         f"{config.probe_rows or 'all'} and test {config.test_rows or 'all'} gold rows per task, {config.epochs:g} "
         f"student epochs, teacher temperature {config.temperature:g}. Run directory `{run.path.name}`.")
    by = _score_pivot(result.scores)
    parse = result.parse
    glue_all(run, {
        "profile": config.profile, "teacher": config.teacher, "student": config.student,
        "teacher_kind": "a STAND-IN teacher" if result.stand_in else "a real teacher",
        "s3_minus_zerogen": mean_gap(by, "s3", "zerogen"), "s3_minus_goldgen": mean_gap(by, "s3", "goldgen"),
        "s3_minus_without_ees": mean_gap(by, "s3", "without_ees"),
        "parse_rate": f"{parse['kept'].sum() / max(1, parse['outputs'].sum()):.1%}" if len(parse) else "n/a"})
    return table(pd.DataFrame([{"task": t, "EES probe set": spec(t).probe_note} for t in config.tasks]))


def paper(result: Any) -> Any:
    """Our scores beside the paper's."""
    return table(result.paper, {c: "{:.2f}" for c in ("ours", "ours F1 (QA)", "paper DistilBERT", "paper MiniLM")})


def rounds(result: Any, run: Any) -> Any:
    """Probe score by EES round (figure) and the rounds table."""
    import matplotlib.pyplot as plt

    frame = result.rounds
    if not len(frame):
        return table(frame)
    metric = "probe accuracy" if "probe accuracy" in frame else "probe exact_match"
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for (task, loop), group in frame.groupby(["task", "loop"]):
        values = group[metric] if metric in group else group.filter(like="probe ").iloc[:, 0]
        axis.plot(group["round"], 100 * values if values.max() <= 1 else values, marker="o", label=f"{task} {loop}")
    axis.set_xlabel("EES round (student trained before the round's extrapolation)")
    axis.set_ylabel("probe score (%)")
    axis.legend(fontsize=8)
    show_figure(run, figure, "probe_by_round")
    return table(frame, precision=3)


def parse(result: Any) -> Any:
    """Parse rate and rejection reasons per task and teacher step."""
    return table(result.parse, {"parse_rate": "{:.1%}"})


def examples(result: Any) -> Any:
    """Two extrapolations per task beside the probe error they were written from."""
    import pandas as pd

    from synthlib.methods.s3.tasks import spec

    rows = []
    for task, data in result.data.items():
        parents = {row["id"]: row for row in data.probe}
        field = spec(task).missing_field or "text"
        for row in [r for r in data.sets.get("s3", []) if r["round"] > 0][:2]:
            parent = parents.get(row.get("parent_id"), {})
            rows.append({"task": task, "probe error": str(parent.get(field, "-"))[:160],
                         "extrapolation": str(row[field])[:160], "round": row["round"]})
    return table(pd.DataFrame(rows, columns=["task", "probe error", "extrapolation", "round"]))


def replication(config: Any, run: Any, result: Any) -> Any:
    """The replication on the paper's released rounds (glues its note; the table, when it ran)."""
    if result.replication is None:
        glue_all(run, {"replication_note": "The replication was switched off in this run (replication=false)."})
        return None
    frame = result.replication
    rte = frame[frame["task"] == "rte"].set_index("ours: condition")["ours: accuracy"]
    note = (f"Profile {config.profile}: {int(frame['ours: train rows'].max())} training rows per condition, "
            f"{config.replication_epochs:g} epochs, student {config.student}. On RTE the released rounds alone give "
            f"{rte.get('released EES rounds (json)', float('nan')):.1f}% (JSON) and "
            f"{rte.get('released EES rounds (pkl)', float('nan')):.1f}% (pickle) against "
            f"{rte.get('gold', float('nan')):.1f}% for gold data; the paper reports 76.17% for S3 (seed + EES) and "
            "71.50% for gold." if len(rte) else f"Profile {config.profile}: RTE was not part of this replication.")
    glue_all(run, {"replication_note": note})
    return table(frame, precision=2)


# ---- ablations -------------------------------------------------------------------------------

def ablation_setting(config: Any, run: Any) -> None:
    """The setting line every S3 ablation opens with; glues profile and teacher."""
    show(f"Profile **{config.profile}**. Teacher **{config.teacher}**: {model_note(config.teacher)}. "
         f"{_students(config)}. Tasks {', '.join(config.tasks)}; seed {config.seed_size}, {config.rounds} EES "
         f"rounds. Run directory `{run.path.name}`.")
    glue_all(run, {"profile": config.profile, "teacher": config.teacher})


def without_ees(result: Any, run: Any) -> Any:
    """S3 against its seed alone; glues the mean gain."""
    glue_all(run, {"gain": mean_gap(_score_pivot(result.table), "s3", "without_ees")})
    return table(result.table, precision=2)


def without_rationales(result: Any, run: Any) -> Any:
    """Seed sets with and without rationales; glues the gain, and says so when no rationale was used."""
    frame = result.table.assign(task="imdb") if "task" not in result.table else result.table
    glue_all(run, {"gain": mean_gap(_score_pivot(frame), "with rationales", "without rationales")})
    note = rationale_fallback_note(result.details.get("reports", {}))
    if note:
        show(note)
    return table(result.table, precision=2)


def rationale_fallback_note(reports: dict[str, Any]) -> str:
    """A warning when the teacher's rationale lists did not parse for some labels (their seed rows
    then come from the plain prompt, so for those labels the two seed sets are the same requests)."""
    rationale_reports = [report for report in reports.values() if "rationale_parse" in report]
    fallback = sorted({label for report in rationale_reports for label in report.get("plain_fallback", [])})
    if not fallback:
        return ""
    why = "; ".join(", ".join(f"{reason}: {count}" for reason, count in report["rationale_parse"]["reasons"].items())
                    for report in rationale_reports if report["rationale_parse"].get("reasons"))
    return (f"**No rationales for {', '.join(fallback)}:** the teacher's answers to the rationale request did "
            f"not parse as a list{f' ({why})' if why else ''}, so those labels' seed rows were written from the "
            "plain prompt. For them both seed sets are the same requests: the scores below say "
            "nothing about rationales.")


def rationale_examples(result: Any) -> Any:
    """Three seed samples of each set."""
    import pandas as pd

    return table(pd.DataFrame([{"seed set": k, "example": t[:200]} for k, v in result.details["examples"].items()
                               for t in v]))


def transferability(result: Any, run: Any) -> Any:
    """ZeroGen, +ourAdd, +synAdd; glues +ourAdd's gain over ZeroGen."""
    glue_all(run, {"gain": mean_gap(_score_pivot(result.table), "+ourAdd", "zerogen")})
    return table(result.table, precision=2)


def quality(result: Any, run: Any) -> Any:
    """Similarity of extrapolations to their errors; glues the first task's numbers."""
    first = result.table.iloc[0] if len(result.table) else {}
    glue_all(run, {"cos_sim": f"{first['cos_sim']:.3f}" if "cos_sim" in first else "n/a",
                   "edit_distance": f"{first['edit_distance']:.1f}" if "edit_distance" in first else "n/a"})
    return table(result.table, precision=2)


def quality_examples(result: Any) -> Any:
    """Error / extrapolation pairs per task."""
    import pandas as pd

    return table(pd.DataFrame([{"task": task, "error": a[:160], "extrapolation": b[:160]}
                               for task, pairs in result.details["examples"].items() for a, b in pairs],
                              columns=["task", "error", "extrapolation"]))


def coverage(result: Any, run: Any) -> Any:
    """Coverage of the gold data; glues the first task's S3 and ZeroGen coverage."""
    import pandas as pd

    first = result.table.iloc[0] if len(result.table) else {}
    glue_all(run, {key: f"{first[column]:.1f}%" if column in first and not pd.isna(first[column]) else "n/a"
                   for key, column in (("s3_cov", "coverage S3 (%)"), ("zerogen_cov", "coverage ZeroGen (%)"))})
    return table(result.table, precision=2)


def coverage_maps(result: Any, run: Any) -> None:
    """One t-SNE map per task (saved into the run)."""
    from synthlib.methods.s3.ablations import plot_coverage

    for task, frame in result.details["maps"].items():
        show_figure(run, plot_coverage(frame, task), f"tsne_{task}")
