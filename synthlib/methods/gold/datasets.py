"""GOLD's synthetic training sets as saved datasets (:mod:`synthlib.runs.datasets`), one per task and generator.

Saved: the training samples of each generator (gold, zerogen, progen, p2model) that trained the
final student. Lineage columns: ``round`` (the iteration), ``parent_ids`` (the feedback examples
its prompt showed; GOLD's OOD samples in the band), ``request_key`` (the teacher-cache key of
the call); ``example_ids`` names the real examples shown.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from synthlib.methods.gold import GENERATORS
from synthlib.methods.gold import synthesis as gold_synthesis
from synthlib.prompts import gold as prompts
from synthlib.runs.datasets import DataCard, save_synthetic

LINEAGE = {"round": "round", "parent": "parent_ids", "teacher_call": "request_key"}
TEMPLATES = ("EXAMPLES", "FEEDBACK", "EARLIER", "BATCH", "NEW_SAMPLE", "NEW_OOD", "LABEL_CLAUSE")


def save_sets(config: Any, run_dir: Any, data: dict[str, Any], teacher: dict[str, Any], stand_in: bool) -> list:
    """Save each task's generated training sets (main chapter) into ``run_dir``; the dataset folders."""
    if run_dir is None:
        return []
    return [save_set(config, run_dir, item, method, rows, teacher, stand_in,
                     config.loss if method == "gold" else "ce")
            for item in data.values() for method, rows in item.sets.items() if method in GENERATORS and rows]


def save_loops(config: Any, run_dir: Any, item: Any, teacher: dict[str, Any], stand_in: bool) -> list:
    """Save the training samples of every loop an ablation ran for one task (named by the loop's tag)."""
    from synthlib.methods.gold.loop import training_rows

    if run_dir is None:
        return []
    note = ("This ablation trains its students on this set or on its first iterations (column round); "
            "its chapter's table names each student's loss. ")
    return [save_set(config, run_dir, item, tag, training_rows(loop), teacher, stand_in, config.loss, note)
            for tag, loop in item.loops.items() if training_rows(loop)]


def save_set(config: Any, run_dir: Any, item: Any, method: str, rows: list[dict], teacher: dict[str, Any],
             stand_in: bool, loss: str, note: str = ""):
    """Save one set (``method``: a generator or a loop tag) of one task with its card; its folder."""
    from synthlib.methods.gold.method import sampling, student_settings

    student = student_settings(config, item.task, loss)
    notes = note + ("Written by a STAND-IN teacher: these rows show that the pipeline runs, not what a real "
                    "teacher writes." if stand_in else "")
    card = DataCard(method=f"gold/{method}", task=item.task.name, teacher=teacher,
                    student={"model": student.reference, **asdict(student)},
                    prompts={"templates": {"definition": item.task.definition,
                                           **{name: getattr(prompts, name) for name in TEMPLATES}},
                             "example": example_prompt(item, method, rows[0], config)},
                    sampling=asdict(sampling(config)), filters=filter_report(item, method), lineage=LINEAGE,
                    sources=[item.task.name], config=config.to_dict(), notes=notes.strip())
    return save_synthetic(run_dir, f"{item.task.name}-{method}", rows, card)


def example_prompt(item: Any, method: str, row: dict, config: Any) -> str:
    """The prompt of ``row``'s call, rebuilt from its lineage (real examples and feedback shown).

    Prompt2Model-style prompts also showed earlier samples, which the lineage does not name: their
    example leaves them out.
    """
    from synthlib.methods.gold.method import sampling

    pool = {r["id"]: r for r in item.pool}
    loop_rows = {r["id"]: r for r in item.loops[method].rows} if method in item.loops else {}
    examples = [pool[i] for i in row.get("example_ids", []) if i in pool]
    feedback = [loop_rows[i] for i in row.get("parent_ids", []) if i in loop_rows]
    strategy = item.loops[method].rows[0].get("origin", method) if method in item.loops else method
    label = row.get("label") if strategy == "zerogen" and item.task.is_classification else None
    request = gold_synthesis.train_request(item.task, examples, feedback, sampling(config),
                                           config.seed + 1000 * row.get("round", 0), row.get("sample_index", 0),
                                           step=strategy, label=label)
    return request.prompt


def filter_report(item: Any, method: str) -> dict[str, Any]:
    """Parse outcomes (outputs, kept, counted rejection reasons) of each iteration's teacher calls."""
    report = {}
    loop = item.loops.get(method)
    for summary in loop.rounds if loop is not None else ():
        for step in ("train", "ood"):
            if step in summary:
                parse = summary[step]
                report[f"{method} iteration {summary['round']} {step}"] = {
                    "total": parse.get("total", 0), "kept": parse.get("kept", 0),
                    "reasons": dict(parse.get("reasons", {}))}
    return report
