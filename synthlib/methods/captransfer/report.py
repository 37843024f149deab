"""What the capability-transfer chapters show: trajectories as median with a min-max band over seeds
(the paper's Figures 1 and 4), step-0 / best scores, ours beside the paper's.

The table builders come first; then one function per notebook cell, each a one-line call that
copes with any valid config (a number that needs a part that was not run is glued as "n/a").
"""

from __future__ import annotations

from typing import Any

from synthlib.methods.captransfer import PAPER_QA_GAIN, PAPER_RELATIVE_GAIN
from synthlib.reports.chapter import glue_all, model_note, show, show_figure, table

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
        rows.append({"task": task, "answers": report["total"], "resumed": item.synthesis.resumed,
                     "kept": report["kept"],
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
    """Tables and headline numbers into the run directory (the notebook saves the figures it draws)."""
    run_dir.save_table(result.trajectories, "trajectories")
    run_dir.save_table(result.best, "best")
    run_dir.save_table(result.paper, "paper_vs_ours")
    run_dir.save_table(result.parse, "parse")
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



# -- chapter cells -------------------------------------------------------------------------------

def setting_text(config: Any, run: Any = None) -> str:
    """One paragraph: profile, teacher, students, sizes, and what is not the paper's setting."""
    students = ", ".join(f"**{s}** ({model_note(s)})" + (" through LoRA" if s in config.lora_students else "")
                         for s in config.students)
    where = f" Run directory `{run.path.name}`." if run is not None else ""
    return (f"Profile **{config.profile}**. Teacher **{config.teacher}** ({model_note(config.teacher)}), "
            f"temperature {config.temperature:g}. Causal-LM students: {students} (the paper: FLAN-T5 small / base "
            f"/ large, seq2seq). {config.articles} articles from {', '.join(config.sources)} cut to "
            f"{config.article_words} words, {config.eval_share:.0%} held out; {len(config.seeds)} seed(s); "
            f"{config.epochs:g} epoch, batch {config.batch_size}, a checkpoint every {config.eval_every} steps plus "
            f"step 0. The paper: GPT-4o-mini, ~35k summaries and ~50k Q&A points from ~80k CNN articles.{where}")


def headline(result: Any) -> dict[str, str]:
    """The numbers the chapter's prose cites ("n/a" where a part was not run)."""
    out = {"kw_step0": "n/a", "kw_relative_gain": "n/a", "qa_gain": "n/a", "label_prior": "n/a", "majority": "n/a"}
    best = result.best
    if not best.empty:
        summary = best[(best["task"] == "summarization") & (best["target"] == "synthetic")]
        if not summary.empty:
            out["kw_step0"] = f"{summary['step 0'].median():.1f}%"
    paper_rows = result.paper
    for key, measure, unit in (("kw_relative_gain", "synthetic over human, best keyword inclusion (relative %)", "%"),
                               ("qa_gain", "Q&A synthetic minus human, best (points)", " points")):
        rows = paper_rows[paper_rows["measure"] == measure] if not paper_rows.empty else paper_rows
        if not rows.empty:
            out[key] = ", ".join(f"{v:+.1f}{unit} ({s})" for s, v in zip(rows["student"], rows["ours"], strict=True))
    for name, value in result.baselines.items():
        if name.startswith("label prior"):
            out["label_prior"] = f"{value:.0f}% yes"
        if name.startswith("always"):
            out["majority"] = f"{value:.1f}% ({name.split(' ')[0]})"
    return out


def setting(config: Any, run: Any, result: Any) -> None:
    """The chapter's setting paragraph and the glued headline numbers."""
    show(setting_text(config, run))
    glue_all(run, {**headline(result), "profile": config.profile, "teacher": config.teacher})


def paper(result: Any) -> Any:
    """Our numbers beside the paper's."""
    return table(result.paper, {"ours": "{:.1f}"})


def best(result: Any) -> Any:
    """Median over seeds at step 0, at the best checkpoint and at the end, per task, target and student."""
    return table(result.best, precision=1)


def trajectory(result: Any, task: str, run: Any = None, hue: str = "target", panel: str = "student") -> None:
    """Show (and save into the run) the trajectory figure of ``task``; a note when it was not run."""
    if result.trajectories.empty or task not in set(result.trajectories["task"]):
        show(f"*{task}: not run in this configuration.*")
        return None
    baselines = getattr(result, "baselines", {}) if task == "qa" else {}
    figure = plot_trajectories(result.trajectories, task, baselines, hue=hue, panel=panel)
    show_figure(run, figure, f"trajectory_{task}_{hue}")


def parse(result: Any) -> Any:
    """The teacher's answers: kept, parse rate, rejection reasons."""
    return table(result.parse, {"parse rate": "{:.0%}"})


def baselines(result: Any) -> Any:
    """The Q&A label prior and always-majority accuracy (empty when Q&A was not run)."""
    import pandas as pd

    return table(pd.DataFrame([result.baselines]) if result.baselines else pd.DataFrame(), precision=1)


def size_table(result: Any):
    """Per problem and student: median score at step 0, at the best checkpoint, and the gain."""
    import pandas as pd

    if result.best.empty:
        return pd.DataFrame()
    frame_ = result.best[["task", "target", "student", "student size", "step 0", "best", "best step"]].copy()
    frame_["gain (points)"] = frame_["best"] - frame_["step 0"]
    return frame_


def size_setting(config: Any, run: Any, result: Any) -> None:
    """The student-size ablation's setting and its glued gains."""
    show(setting_text(config, run))
    sizes = size_table(result)
    gains = ", ".join(f"{s} ({t}): {g:+.1f}" for s, t, g in zip(sizes["student"], sizes["task"],
                                                                   sizes["gain (points)"], strict=True)) \
        if not sizes.empty else "n/a"
    glue_all(run, {"profile": config.profile, "size_gains": gains})


def sizes(result: Any) -> Any:
    """The student-size table."""
    return table(size_table(result), precision=1)


def teacher_setting(config: Any, run: Any, result: Any) -> None:
    """The teacher ablation's setting and the best setting, glued."""
    show(setting_text(config, run) + f" Settings: teachers {', '.join(config.teachers)} at temperatures "
         f"{', '.join(f'{t:g}' for t in config.temperatures)}; reference metric: **{config.teacher}** at "
         f"{config.temperature:g}.")
    ranked = result.best.sort_values("best", ascending=False) if not result.best.empty else result.best
    top = f"{ranked.iloc[0]['setting']} ({ranked.iloc[0]['best']:.1f}, {ranked.iloc[0]['task']})" if len(ranked) \
        else "n/a"
    glue_all(run, {"profile": config.profile, "reference": config.teacher, "best_setting": top})
