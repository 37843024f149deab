"""S3's synthetic training sets as saved datasets (:mod:`synthlib.runs.datasets`), one per task and method.

Saved: every set a student trains on except ``gold`` (real probe rows, not synthetic). Lineage
columns: ``round`` (EES round; 0 = seed), ``parent_id`` (the probe row a round extrapolated),
``request_key`` (the teacher-cache key of the call).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from synthlib.methods.s3 import synthesis
from synthlib.prompts import s3 as prompts
from synthlib.runs.datasets import DataCard, save_synthetic

LINEAGE = {"round": "round", "parent": "parent_id", "teacher_call": "request_key"}
TEMPLATES = ("RATIONALE", "QUERY_RATIONALE", "QUERY_PLAIN", "QUERY_CONTEXT", "MIS_SINGLE", "MIS_CONTEXT")


def save_sets(config: Any, run_dir: Any, data: dict[str, Any], teacher: dict[str, Any], stand_in: bool) -> list:
    """Save each task's synthetic sets into ``run_dir``; the dataset folders."""
    if run_dir is None:
        return []
    from synthlib.methods.s3.method import _sampling, _student

    saved = []
    for task_name, item in data.items():
        for method, rows in item.sets.items():
            if method == "gold" or not rows:
                continue
            card = DataCard(method=f"s3/{method}", task=task_name, teacher=teacher,
                            student={"model": _student(config, item.task).reference,
                                     **asdict(_student(config, item.task))},
                            prompts={"templates": templates(task_name), "example": example_prompt(item, rows, config, method)},
                            sampling=asdict(_sampling(config)), filters=filter_report(item, method), lineage=LINEAGE,
                            sources=[task_name], config=config.to_dict(), notes=_notes(stand_in))
            saved.append(save_synthetic(run_dir, f"{task_name}-{set_name(method)}", rows, card))
    return saved


def set_name(method: str) -> str:
    """A folder-safe name for a set ("+ourAdd" -> "plus-ourAdd", "with rationales" -> "with-rationales")."""
    return method.replace("+", "plus-").replace(" ", "-")


def templates(task: str) -> dict[str, str]:
    """The S3 prompt templates that exist for ``task``."""
    return {name: getattr(prompts, name)[task] for name in TEMPLATES if task in getattr(prompts, name)}


def example_prompt(item: Any, rows: list[dict], config: Any, method: str = "") -> str:
    """One prompt as the teacher saw it: an extrapolation if the set has one, else a seed prompt."""
    from synthlib.methods.s3.method import _sampling

    task = item.task
    parents = {row["id"]: row for row in item.probe}
    extrapolated = next((r for r in rows if r.get("round", 0) > 0 and r.get("parent_id") in parents), None)
    if extrapolated is not None:
        builder = synthesis.ExtrapolationPrompts(task, _sampling(config), seed=config.seed)
        return builder.build([parents[extrapolated["parent_id"]]], extrapolated["round"])[0].prompt
    row = rows[0]
    word = prompts.LABEL_WORDS.get(task.name, ())[row["label"]] if task.is_classification else ""
    plain = method in ("zerogen", "without rationales") or row.get("origin") in ("zerogen", "seed-plain")
    if plain or task.kind == "single" and task.name not in prompts.RATIONALE:
        return prompts.QUERY_PLAIN[task.name].format(label=word)
    if task.kind == "single":
        report = next((v for k, v in item.reports.items() if k.startswith("seed-") and "rationales" in v), {})
        drawn = report.get("rationales", {}).get(task.label_names[row["label"]], [])[: config.k_draw]
        return prompts.QUERY_RATIONALE[task.name].format(rationales=", ".join(drawn), label=word) if drawn \
            else prompts.QUERY_PLAIN[task.name].format(label=word)
    values = {"context": row.get(task.context_field, ""), "label": word, "answer": row.get("answer", "")}
    return prompts.QUERY_CONTEXT[task.name].format(**values)


def filter_report(item: Any, method: str) -> dict[str, Any]:
    """Parse outcomes (outputs, kept, counted rejection reasons) of the teacher steps behind a set."""
    steps = {"zerogen": ("zerogen-",), "with rationales": ("seed-",),
             "without rationales": ("seed-plain",)}.get(method, ("seed-",))
    report = {}
    for key, value in item.reports.items():
        if key.startswith(steps) and (method == "without rationales" or not key.startswith("seed-plain")):
            for part in ("rationale_parse", "parse"):
                if part in value:
                    report[f"{key} {part.replace('_parse', 's')}".replace(" parse", "")] = _cells(value[part])
    loop = item.loops.get(method)
    for summary in loop.rounds if loop is not None else ():
        report[f"{method} round {summary['round']}"] = _cells(summary["parse"])
    return report


def _cells(parse: dict) -> dict[str, Any]:
    return {"total": parse.get("total", 0), "kept": parse.get("kept", 0), "reasons": dict(parse.get("reasons", {}))}


def _notes(stand_in: bool) -> str:
    return ("Written by a STAND-IN teacher: these rows show that the pipeline runs, not what a real teacher "
            "writes." if stand_in else "")
