"""One-line displays for the CRAFT chapters: the setting, tables, headline numbers, a figure."""

from __future__ import annotations

from typing import Any

from synthlib.methods.craft.tasks import task_spec
from synthlib.reports.chapter import model_note, table


def setting(config: Any, run: Any) -> str:
    """The run's setting in one paragraph: profile, models, sizes, budgets."""
    sizes = ", ".join(f"{s} = {config.rows(s)}" for s in config.sizes)
    judge = config.judge or config.teacher
    return (f"Profile **{config.profile}**. Teacher **{config.teacher}**: {model_note(config.teacher)}. "
            f"Student **{config.student}**: {model_note(config.student)}, LoRA r={config.lora_r}, "
            f"alpha={config.lora_alpha}, dropout {config.lora_dropout:g} on all linear layers; AdamW lr "
            f"{config.learning_rate:g}, weight decay {config.weight_decay:g}, linear schedule with "
            f"{config.warmup_ratio:.0%} warm-up, {config.epochs:g} epochs, batch {config.batch_size} "
            f"({config.fewshot_batch_size} on the few-shots alone). Judge (summarization): **{judge}**. "
            f"{config.n_fewshots} {config.fewshot_source}-written few-shots; sizes {sizes}; "
            f"{config.retrieve_factor:g}x documents retrieved from {' + '.join(config.corpus)} "
            f"({config.max_docs or 'all'} documents, encoder {config.embedder}, {config.max_seq_length} tokens), "
            f"{config.few_shot_share:.0%} per few-shot and the rest by the mean embedding; "
            f"test rows per task: {config.test_rows or 'all'}. Run directory `{run.path.name}`.")


def task_table(config: Any):
    """Per task: its test set and its in-domain data."""
    import pandas as pd

    rows = [{"task": t, "test set": task_spec(t).test_note, "in-domain human data": task_spec(t).in_domain_note,
             "metric": "accuracy (letter log-probs)" if task_spec(t).is_mc else "judged win rate"}
            for t in config.tasks]
    return table(pd.DataFrame(rows))


def headline(result: Any, config: Any) -> dict[str, str]:
    """Values glued into the chapter's prose."""
    from synthlib.models import is_stand_in

    scores = result.scores
    gap = "n/a"
    if len(scores):
        largest = [s for s in config.sizes if s != "XS"]
        craft = scores[(scores["method"] == "craft") & scores["size"].isin(largest[-1:])].set_index("task")["score"]
        few = scores[scores["method"] == "fewshots"].set_index("task")["score"]
        both = craft.index.intersection(few.index)
        if len(both):
            gap = f"{(craft[both] - few[both]).mean():+.1f}"
    return {"profile": config.profile, "teacher": config.teacher, "student": config.student,
            "teacher_kind": ("a STAND-IN teacher" if is_stand_in(config.teacher) else "a real teacher")
            + f" ({config.teacher})", "craft_minus_fewshots": gap}


def paper_view(result: Any):
    """Ours beside the paper's."""
    return table(result.paper, {"ours": "{:.1f}", "paper": "{:.1f}", "rows": "{:.0f}"})


def scores_view(result: Any):
    """Every trained set: rows, score, training time."""
    cols = [c for c in ["task", "method", "size", "rows", "seed", "metric", "score", "wins", "losses", "ties",
                        "test_rows", "train_seconds", "train_steps", "variant"] if c in result.scores]
    return table(result.scores[cols], precision=1)


def filter_view(result: Any):
    """The filter counts per task and generator, with the paper's size-S counts."""
    return table(result.filters, precision=0)


def reasons_view(result: Any):
    """Every filter step and reason of every generator."""
    from synthlib.methods.craft.method import reasons_table

    reasons = reasons_table(result.data)
    return table(reasons, {"share_of_input": "{:.1%}"}) if len(reasons) else reasons


def contamination_view(result: Any):
    """5-gram weighted Jaccard (%) of every training set against its test set, beside the paper's."""
    return table(result.contamination, {"jaccard_5gram_%": "{:.3f}"})


def examples(result: Any, chars: int = 300):
    """Per task, one retrieved document's start and the sample written from it."""
    import pandas as pd

    rows = []
    for name, item in result.data.items():
        generated = item.generated.get("craft")
        if not generated or not generated.samples:
            continue
        sample = generated.samples[0]
        doc = next((d for d in item.documents if d["id"] == sample.get("doc_id")), None)
        rows.append({"task": name, "retrieved document": (doc["text"][:chars] + " ...") if doc else "-",
                     "how it was found": doc["strategy"] if doc else "-",
                     "sample written from it": item.task.text(sample)[:chars]})
    return table(pd.DataFrame(rows))


def notes(result: Any) -> str:
    """The run's notes as a Markdown list."""
    return "\n".join(f"* {n}" for n in result.notes) or "No notes: every method reached every size."


def ablation_view(result: Any):
    """An ablation's scores per variant."""
    cols = [c for c in ["variant", "task", "method", "size", "rows", "seed", "metric", "score", "train_seconds"]
            if c in result.table]
    return table(result.table[cols], precision=1)


def paper_only(result: Any):
    """The ablation's paper table (or summary beside the paper)."""
    return table(result.paper, precision=2)


def scaling_figure(result: Any, run: Any = None):
    """Score against rows per task: mean over seeds with a band of one standard deviation."""
    import matplotlib.pyplot as plt

    summary = result.paper
    figure, axis = plt.subplots(figsize=(6, 3.2))
    for task, group in summary.groupby("task", sort=False):
        std = group["std"].fillna(0)
        axis.plot(group["rows"], group["mean"], marker="o", label=task)
        axis.fill_between(group["rows"], group["mean"] - std, group["mean"] + std, alpha=0.2)
    axis.set_xscale("log")
    axis.set_xlabel("training rows (log scale)")
    axis.set_ylabel("score (%)")
    axis.legend(fontsize=8)
    if run is not None:
        run.save_figure(figure, "scaling")
    plt.close(figure)  # shown once, as the cell's value (an open figure would be shown a second time)
    return figure
