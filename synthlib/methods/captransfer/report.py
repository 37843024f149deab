"""Tables and figures of the capability-transfer chapters: trajectories as median with a min-max
band over seeds (the paper's Figures 1 and 4), step-0 / best scores, ours beside the paper's."""

from __future__ import annotations

from typing import Any

from synthlib.methods.captransfer import PAPER_QA_GAIN, PAPER_RELATIVE_GAIN

METRIC = {"summarization": "keyword inclusion (%)", "qa": "held-out accuracy (%)"}
TARGET_NAMES = {"synthetic": "teacher's data (synthetic)", "human": "human-written lead",
                "gpt4": "GPT-4 summaries (SumLLM)"}
SIZES = ("small", "base", "large")


def frame(points: list[dict]):
    """Trajectory points as a DataFrame (empty with the expected columns when there are none)."""
    import pandas as pd

    columns = ["task", "target", "student", "seed", "train_rows", "step", "epoch", "score"]
    return pd.DataFrame(points) if points else pd.DataFrame(columns=columns)


def medians(trajectories: Any, by: tuple[str, ...] = ("task", "target", "student")):
    """Median, min and max over seeds at every step."""
    keys = [*by, "step"]
    return trajectories.groupby(keys, sort=False)["score"].agg(["median", "min", "max"]).reset_index()


def best_table(trajectories: Any, students: list[str], by: tuple[str, ...] = ("task", "target", "student")):
    """Per task, target and student: the median score at step 0, at its best checkpoint, and at the end."""
    import pandas as pd

    if trajectories.empty:
        return pd.DataFrame()
    stats = medians(trajectories, by)
    rows = []
    for key, group in stats.groupby(list(by), sort=False):
        group = group.sort_values("step")
        best = group.loc[group["median"].idxmax()]
        rows.append({**dict(zip(by, key, strict=True)), "step 0": group["median"].iloc[0],
                     "best": best["median"], "best step": int(best["step"]), "final": group["median"].iloc[-1],
                     "steps": int(group["step"].max())})
    table = pd.DataFrame(rows)
    table["student size"] = table["student"].map(lambda s: _size(s, students))
    return table


def paper_table(trajectories: Any, students: list[str]):
    """Ours beside the paper: step-0 keyword inclusion, synthetic-over-human gains per student size."""
    import pandas as pd

    best = best_table(trajectories, students)
    if best.empty:
        return pd.DataFrame()
    rows = []
    for student in students:
        size = _size(student, students)
        mine = best[best["student"] == student]
        summary, qa = mine[mine["task"] == "summarization"], mine[mine["task"] == "qa"]
        if not summary.empty:
            rows.append({"student": student, "size": size, "measure": "keyword inclusion before fine-tuning (%)",
                         "ours": summary["step 0"].iloc[0], "paper": "35-43"})
            gain = _gain(summary, relative=True)
            if gain is not None:
                rows.append({"student": student, "size": size,
                             "measure": "synthetic over human, best keyword inclusion (relative %)", "ours": gain,
                             "paper": f"{PAPER_RELATIVE_GAIN[0]:g}-{PAPER_RELATIVE_GAIN[1]:g}"})
        gain = _gain(qa, relative=False) if not qa.empty else None
        if gain is not None:
            rows.append({"student": student, "size": size, "measure": "Q&A synthetic minus human, best (points)",
                         "ours": gain, "paper": f"{PAPER_QA_GAIN[size]:+g} ({size})" if size in PAPER_QA_GAIN
                         else "+4.5 / +0.68 / +0.08"})
    return pd.DataFrame(rows)


def parse_table(data: dict[str, Any]):
    """Teacher answers, kept answers, parse rate and rejection reasons per problem."""
    import pandas as pd

    rows = []
    for task, item in data.items():
        report = item.synthesis.report.to_dict()
        reasons = ", ".join(f"{k} ({v})" for k, v in report["reasons"].items()) or "-"
        rows.append({"task": task, "answers": report["total"], "kept": report["kept"],
                     "parse rate": report["parse_rate"], "rejections": reasons,
                     "train rows": {t: len(r) for t, r in item.train.items()}, "held-out rows": len(item.evaluation)})
    return pd.DataFrame(rows)


def plot_trajectories(trajectories: Any, task: str, baselines: dict[str, float] | None = None,
                      hue: str = "target", panel: str = "student", title: str = ""):
    """One panel per ``panel`` value (a student): the metric against the training step, median over
    seeds with a min-max band, one line per ``hue`` value (the training target, or an ablation's setting)."""
    import matplotlib.pyplot as plt

    part = trajectories[trajectories["task"] == task]
    panels = list(dict.fromkeys(part[panel]))
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(4.2 * max(1, len(panels)), 3.6), squeeze=False,
                             sharey=True)
    for ax, student in zip(axes[0], panels, strict=False):
        stats = medians(part[part[panel] == student], by=(hue,))
        for value, group in stats.groupby(hue, sort=False):
            line = ax.plot(group["step"], group["median"], marker="o", ms=3,
                           label=TARGET_NAMES.get(value, str(value)))[0]
            ax.fill_between(group["step"], group["min"], group["max"], color=line.get_color(), alpha=0.2)
        for name, value in (baselines or {}).items():
            if name.startswith("always"):
                ax.axhline(value, color="grey", ls=":", label=name)
        ax.set_title(student, fontsize=9)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(METRIC.get(task, "score"))
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title or f"{METRIC.get(task, task)}: median and min-max over seeds", fontsize=10)
    fig.tight_layout()
    return fig


def save(result: Any, run_dir: Any) -> None:
    """Tables, figures and headline numbers into the run directory."""
    run_dir.save_table(result.trajectories, "trajectories")
    run_dir.save_table(result.best, "best")
    run_dir.save_table(result.paper, "paper_vs_ours")
    run_dir.save_table(result.parse, "parse")
    for task in result.trajectories["task"].unique():
        import matplotlib.pyplot as plt

        figure = plot_trajectories(result.trajectories, task, result.baselines)
        run_dir.save_figure(figure, f"trajectory_{task}")
        plt.close(figure)  # saved for the run directory; the notebook draws its own
    run_dir.save_results({"best": result.best.to_dict(orient="records"), "baselines": result.baselines,
                          "teacher": result.teacher, "stand_in": result.stand_in})


def _size(student: str, students: list[str]) -> str:
    return SIZES[students.index(student)] if len(students) == 3 and student in students else student


def _gain(rows: Any, relative: bool) -> float | None:
    by_target = dict(zip(rows["target"], rows["best"], strict=True))
    if "synthetic" not in by_target or "human" not in by_target:
        return None
    synthetic, human = by_target["synthetic"], by_target["human"]
    if relative:
        return 100 * (synthetic - human) / human if human else None
    return synthetic - human


def describe(config: Any, run: Any = None) -> str:
    """One markdown paragraph naming the profile, teacher, students, sizes and what is not the paper's."""
    from synthlib.models import MODEL_ALIASES, is_stand_in

    def note(name: str) -> str:
        text = MODEL_ALIASES.get(name, name)
        return f"**{name}** ({text}{'; a STAND-IN: its numbers only show that the pipeline runs' if is_stand_in(name) else ''})"

    students = ", ".join(note(s) + (" through LoRA" if s in config.lora_students else "") for s in config.students)
    where = f" Run directory `{run.path.name}`." if run is not None else ""
    return (f"Profile **{config.profile}**. Teacher {note(config.teacher)}, temperature {config.temperature:g}. "
            f"Causal-LM students: {students} (the paper: FLAN-T5 small / base / large, seq2seq). "
            f"{config.articles} articles from {', '.join(config.sources)} cut to {config.article_words} words, "
            f"{config.eval_share:.0%} held out; {len(config.seeds)} seed(s); {config.epochs:g} epoch, batch "
            f"{config.batch_size}, a checkpoint every {config.eval_every} steps plus step 0. The paper: GPT-4o-mini, "
            f"~35k summaries and ~50k Q&A points from ~80k CNN articles.{where}")


def headline(result: Any) -> dict[str, str]:
    """The numbers the chapter's prose cites (medians over students; '-' where a part was not run)."""
    best = result.best
    out = {"kw_step0": "-", "kw_relative_gain": "-", "qa_gain": "-", "label_prior": "-", "majority": "-"}
    if best.empty:
        return out
    summary = best[(best["task"] == "summarization") & (best["target"] == "synthetic")]
    if not summary.empty:
        out["kw_step0"] = f"{summary['step 0'].median():.1f}%"
    paper = result.paper
    for key, measure, unit in (("kw_relative_gain", "synthetic over human, best keyword inclusion (relative %)", "%"),
                               ("qa_gain", "Q&A synthetic minus human, best (points)", " points")):
        rows = paper[paper["measure"] == measure] if not paper.empty else paper
        if not rows.empty:
            out[key] = ", ".join(f"{v:+.1f}{unit}" for v in rows["ours"])
    for name, value in result.baselines.items():
        if name.startswith("label prior"):
            out["label_prior"] = f"{value:.0f}% yes"
        if name.startswith("always"):
            out["majority"] = f"{value:.1f}% ({name.split(' ')[0]})"
    return out
