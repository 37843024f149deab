"""What the GOLD chapter and its ablations show: one function per cell, each a one-line call.

Every function copes with any valid config (a subset of methods or tasks): a number that needs a
method that was not run is glued as "n/a" rather than failing.
"""

from __future__ import annotations

from typing import Any

from synthlib.reports.chapter import glue_all, mean_gap, mean_of, model_note, show, show_figure, table


def setting_text(config: Any, run: Any) -> str:
    """One paragraph: profile, teacher, students, sizes and the run directory."""
    if config.text_to_text:
        students = f"every task: **{config.seq2seq_student}** ({model_note(config.seq2seq_student)}), text to text"
    else:
        students = (f"classification: **{config.student}** ({model_note(config.student)}); seq2seq tasks: "
                    f"**{config.seq2seq_student}** ({model_note(config.seq2seq_student)})")
    return (f"Profile **{config.profile}**. Teacher **{config.teacher}**: {model_note(config.teacher)}. "
            f"Students, {students}. {config.samples} synthetic samples per method and task in "
            f"{config.iterations} iterations of {config.per_iteration} (OOD batch {config.val_per_iteration}), "
            f"{config.real_examples} real examples per prompt, band {config.band[0]:.0%}-{config.band[1]:.0%}, "
            f"SCE with lambda {config.sce_lambda:g} and sigma {config.sce_sigma:g}, teacher temperature "
            f"{config.temperature:g}, {config.epochs:g} epochs per final student, test rows per task "
            f"{config.test_rows or 'all'}. Run directory `{run.path.name}`.")


def _pivot(frame: Any, columns: str, values: str) -> Any:
    import pandas as pd

    if not len(frame) or values not in frame:
        return pd.DataFrame()
    return frame.pivot_table(index="task", columns=columns, values=values)


def setting(config: Any, run: Any, result: Any) -> Any:
    """The chapter's setting, its tasks table, and the glued headline numbers."""
    import pandas as pd

    from synthlib.methods.gold.tasks import spec
    from synthlib.models import is_stand_in

    show(setting_text(config, run))
    by = _pivot(result.scores, "method", "score")
    parse = result.parse
    glue_all(run, {
        "profile": config.profile, "teacher": config.teacher,
        "teacher_kind": "a STAND-IN teacher" if is_stand_in(config.teacher) else "a real teacher",
        "students": f"{config.seq2seq_student} (all tasks)" if config.text_to_text
        else f"{config.student} (classification) and {config.seq2seq_student} (seq2seq)",
        "samples": str(config.samples), "max_feedback": str(config.max_feedback),
        "gold_minus_zerogen": mean_gap(by, "gold", "zerogen"),
        "gold_minus_pretrained": mean_gap(by, "gold", "pretrained"),
        "gold_minus_fewshot": mean_gap(by, "gold", "fewshot"),
        "parse_rate": f"{parse['kept'].sum() / max(1, parse['outputs'].sum()):.1%}" if len(parse) else "n/a"})
    return table(pd.DataFrame([{"task": t, "real examples and fine-tuning data": spec(t).pool_note,
                                "test set": spec(t).test_note, "metric": spec(t).metric} for t in config.tasks]))


def paper(result: Any) -> Any:
    """Our scores beside the paper's Tables 2 and 3."""
    return table(result.paper, {"ours": "{:.1f}", "paper": "{:.1f}"})


def scores(result: Any) -> Any:
    """Every score with its training size, loss, and the majority-class share of the test set."""
    from collections import Counter

    frame = result.scores
    majority = {task: 100 * max(Counter(r["label"] for r in item.test).values()) / len(item.test)
                for task, item in result.data.items() if item.task.is_classification and item.test}
    columns = ["task", "method", "metric", "score", "train_rows", "loss", "macro_f1", "f1", "train_seconds"]
    view = frame[[c for c in columns if c in frame]]
    if "task" in view:
        view = view.assign(**{"majority class %": view["task"].map(majority)})
    return table(view, precision=1)


def energy(result: Any, run: Any) -> Any:
    """Energy range of each OOD batch by iteration (figure) and the iterations table."""
    import matplotlib.pyplot as plt

    frame = result.iterations
    gold = frame[frame["loop"] == "gold"] if "loop" in frame else frame.iloc[0:0]
    if len(gold) and {"energy min", "energy max"} <= set(gold.columns):
        figure, axis = plt.subplots(figsize=(6, 3.2))
        for task, group in gold.groupby("task"):
            axis.fill_between(group["iteration"], group["energy min"], group["energy max"], alpha=0.3,
                              label=f"{task} OOD batch")
        axis.set_xlabel("iteration")
        axis.set_ylabel("energy (min to max)")
        axis.legend(fontsize=8)
        show_figure(run, figure, "energy_by_iteration")
    else:
        show("GOLD's own loop was not part of this run (`methods` leaves out `gold`): no OOD batches to show.")
    return table(gold, precision=3)


def parse(result: Any) -> Any:
    """Parse rate and rejection reasons per task and teacher step."""
    return table(result.parse, {"parse_rate": "{:.1%}"})


def examples(result: Any) -> Any:
    """Per task, one OOD feedback example and a training sample written after it."""
    import pandas as pd

    rows = []
    for task, item in result.data.items():
        if "gold" not in item.loops:
            continue
        samples = item.loops["gold"].rows
        chosen = [r for r in samples if r.get("selected") and r["role"] == "ood"][:1]
        if chosen:
            after = [r for r in samples if r["role"] == "train" and chosen[0]["id"] in r["parent_ids"]][:1]
            render = item.task.render
            rows.append({"task": task, "feedback example (OOD, in the band)": render(chosen[0])[:240],
                         "training sample written after it": render(after[0])[:240] if after else "-"})
    return table(pd.DataFrame(rows, columns=["task", "feedback example (OOD, in the band)",
                                             "training sample written after it"]))


# ---- ablations -------------------------------------------------------------------------------

def ablation_setting(config: Any, run: Any) -> None:
    """The setting every GOLD ablation opens with; glues profile and teacher."""
    show(setting_text(config, run) + f" Tasks: {', '.join(config.tasks)}.")
    glue_all(run, {"profile": config.profile, "teacher": config.teacher})


def components(result: Any, run: Any) -> Any:
    """KD, +FB, +SCE and GOLD; glues each component's mean gain over KD alone."""
    by = _pivot(result.table, "method", "score")
    glue_all(run, {"fb_gain": mean_gap(by, "V2 KD + FB", "V1 KD"), "sce_gain": mean_gap(by, "V3 KD + SCE", "V1 KD"),
                   "both_gain": mean_gap(by, "GOLD (KD + FB + SCE)", "V1 KD")})
    return table(result.table, {"score": "{:.1f}", "paper": "{:.1f}"},
                 columns=["task", "method", "loss", "train_rows", "score", "paper"])


def n_samples(result: Any, run: Any) -> Any:
    """Score by number of synthetic samples (figure); glues the mean growth from fewest to most."""
    import matplotlib.pyplot as plt

    frame = result.table
    first, last = frame.groupby("task").first()["score"], frame.groupby("task").last()["score"]
    growth = (last - first).mean()
    glue_all(run, {"growth": "n/a" if growth != growth else f"{growth:+.1f}"})
    figure, axis = plt.subplots(figsize=(5.5, 3.2))
    for task, group in frame.groupby("task"):
        axis.plot(group["samples asked"], group["score"], marker="o", label=task)
    axis.set_xlabel("synthetic samples")
    axis.set_ylabel("test score (%)")
    axis.legend(fontsize=8)
    show_figure(run, figure, "score_by_samples")
    return table(frame, {"score": "{:.1f}", "paper": "{:.1f}"},
                 columns=["task", "samples asked", "train_rows", "score", "paper"])


def thresholds(result: Any, run: Any) -> Any:
    """Score per feedback band; glues the paper band's score and the best band."""
    frame = result.table
    paper_band = frame[frame["paper setting"]]
    by_band = frame.groupby("band")["score"].mean().dropna()
    glue_all(run, {"paper_band_score": f"{paper_band['score'].mean():.1f}" if len(paper_band) else "n/a",
                   "best_band": by_band.idxmax() if len(by_band) else "n/a"})
    return table(frame, {"score": "{:.1f}"},
                 columns=["task", "band", "feedback examples", "train_rows", "score", "paper setting"])


def sigma(result: Any, run: Any) -> Any:
    """Score per SCE sigma; glues the mean spread between the best and worst sigma."""
    spread = result.table.groupby("task")["score"].agg(lambda s: s.max() - s.min()).mean()
    glue_all(run, {"sigma_spread": "n/a" if spread != spread else f"{spread:.1f}"})
    return table(result.table, {"score": "{:.1f}", "paper (ANLI)": "{:.1f}"},
                 columns=["task", "sigma", "lambda", "train_rows", "score", "paper (ANLI)"])


def diversity(result: Any, run: Any) -> Any:
    """Lexical diversity per method; glues GOLD's and ZeroGen's means."""
    by = _pivot(result.table, "method", "lexical diversity %")
    glue_all(run, {"gold_diversity": mean_of(by, "gold"), "zerogen_diversity": mean_of(by, "zerogen")})
    return table(result.table, {"lexical diversity %": "{:.1f}", "paper %": "{:.1f}"})


def distribution(config: Any, result: Any, run: Any) -> Any:
    """Histograms of per-sample log-probability under real data; glues the Wasserstein distances."""
    import matplotlib.pyplot as plt

    by = _pivot(result.table, "data", "Wasserstein to real")
    glue_all(run, {"w_with": mean_of(by, "GOLD with feedback", "{:.3f}"),
                   "w_without": mean_of(by, "GOLD without feedback", "{:.3f}")})
    values = result.extra["values"]
    if values:
        figure, axes = plt.subplots(1, len(values), figsize=(5.5 * len(values), 3.2), squeeze=False)
        for axis, (task, sets) in zip(axes[0], values.items()):
            for name, scores_ in sets.items():
                if scores_:
                    axis.hist(scores_, bins=config.bins, density=True, histtype="step", label=name)
            axis.set_title(task)
            axis.set_xlabel("mean word log-probability under real data")
        axes[0][0].set_ylabel("density")
        axes[0][0].legend(fontsize=8)
        show_figure(run, figure, "distribution")
    return table(result.table, precision=3)
