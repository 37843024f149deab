"""CRAFT end to end, with its baselines at equal dataset sizes.

For each task:

1. the few-shots (human, or written by the teacher from the few-shot texts: ``fewshot_source``);
2. **CRAFT**: retrieve ``retrieve_factor`` x the largest size from the corpus store (mixed
   strategy), rewrite every document into a sample, filter, shuffle (seeded); each size is a
   prefix of that order, so S is inside M is inside L;
3. **baselines**: the few-shots alone (XS), **in-domain** human data where the mirror has a train
   split disjoint from the test set, **Self-Instruct** and **Evol-Instruct** from the same
   few-shots, and the **teacher** itself answering the test (same scoring);
4. every generated set of one size is cut to the smallest among them, so the methods compare at
   equal size; a fresh LoRA student is trained on each and scored on the same test rows;
5. contamination: 5-gram weighted Jaccard of every training set against the test set.

Datasets are saved as JSONL under ``<work dir>/datasets/<task>/<method>-<size>.jsonl``.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.methods.craft import PAPER, PAPER_CONTAMINATION, PAPER_FILTERS_S, CraftConfig, Result
from synthlib.methods.craft.synthesis import Generated, clean, craft_samples, filter_rows
from synthlib.methods.craft.tasks import CraftTask, fewshots, in_domain, task_spec, test_rows, test_texts
from synthlib.teachers.base import Teacher


@dataclass
class TaskData:
    """Few-shots, test rows, retrieved documents and every training set of one task."""

    task: CraftTask
    shots: list[dict]
    test: list[dict]
    documents: list[dict] = field(default_factory=list)
    generated: dict[str, Generated] = field(default_factory=dict)  # method -> filtered pool
    sets: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (method, size) -> samples
    notes: list[str] = field(default_factory=list)


def open_teacher(reference: str, directory: Path) -> Teacher:
    """The teacher named by ``reference``, always behind the generation cache (a rerun calls nothing twice)."""
    from synthlib.methods.craft.scripted import REFERENCE, scripted_craft_teacher

    if reference == REFERENCE:
        from synthlib.teachers.cache import CachedTeacher

        directory.mkdir(parents=True, exist_ok=True)
        return CachedTeacher(scripted_craft_teacher(), directory / "scripted-teacher.sqlite", description="scripted")
    from synthlib.teachers import load_teacher

    return load_teacher(reference, cache=True)


def prepare(name: str, config: CraftConfig, teacher: Teacher, progress: Callable[[str], None] = print) -> TaskData:
    """The task's few-shots and test rows."""
    task = task_spec(name)
    shots = fewshots(task, config.n_fewshots)
    data = TaskData(task, shots, test_rows(task, config.test_rows, config.seed, tuple(config.mmlu_subjects)))
    if config.fewshot_source == "teacher":
        data.shots = teacher_fewshots(task, shots, teacher, config, data.notes)
        progress(f"{name}: the teacher rewrote the {len(shots)} few-shot texts into few-shot samples")
    return data


def teacher_fewshots(task: CraftTask, shots: list[dict], teacher: Teacher, config: CraftConfig,
                     notes: list[str]) -> list[dict]:
    """Few-shots whose samples the teacher wrote from each few-shot's own text (the others as examples).

    Where the teacher's answer fails a filter the human sample stays, and the note says how often.
    """
    from synthlib.methods.craft.synthesis import ask, augment_requests, sample_filters

    docs = [{"id": f"fewshot-{i}", "title": "", "text": s["text"], "strategy": "few-shot text"}
            for i, s in enumerate(shots)]
    others = [[s for j, s in enumerate(shots) if j != i] for i in range(len(shots))]
    if task.is_mc:  # one batch for all few-shots; each answer then meets the filters on its own
        requests = [augment_requests(task, others[i], [doc], config)[0] for i, doc in enumerate(docs)]
        made = [sample_filters(task, others[i], config).apply([row])[0] for i, row in enumerate(ask(teacher, requests))]
    else:  # two steps per few-shot (extract, then summarize)
        made = [craft_samples(task, others[i], [doc], teacher, config).samples for i, doc in enumerate(docs)]
    out, kept = [], 0
    for shot, samples in zip(shots, made, strict=True):
        if samples:
            kept += 1
            out.append({"text": shot["text"], "sample": clean(task, samples[0])})
        else:
            out.append(shot)
    notes.append(f"{task.name}: {kept} of {len(shots)} few-shot samples are teacher-written; the rest stayed human "
                 "because the teacher's answer failed a filter")
    return out


def build_sets(data: TaskData, config: CraftConfig, teacher: Teacher, store: Any,
               progress: Callable[[str], None] = print) -> None:
    """Every training set of the config for one task, cut to equal sizes."""
    from synthlib.methods.craft import baselines
    from synthlib.methods.craft.retrieval import embed_texts, retrieve

    task, methods, largest = data.task, config.methods, config.largest
    if "XS" in config.sizes and "fewshots" in methods:
        data.sets[("fewshots", "XS")] = [s["sample"] for s in data.shots]
    if not largest:
        return
    if "craft" in methods:
        started = time.perf_counter()
        n_docs = math.ceil(largest * config.retrieve_factor)
        data.documents = retrieve(store, embed_texts(config, [s["text"] for s in data.shots]), n_docs, config)
        progress(f"{task.name}: retrieved {len(data.documents)} documents; the teacher rewrites each")
        data.generated["craft"] = craft_samples(task, data.shots, data.documents, teacher, config)
        data.generated["craft"].extra["seconds"] = time.perf_counter() - started
    for kind in ("self_instruct", "evol_instruct"):
        if kind in methods:
            progress(f"{task.name}: {kind} from the same {len(data.shots)} few-shots")
            data.generated[kind] = baselines.generate(kind, task, data.shots, largest, teacher, config)
    human = in_domain(task, largest, config.seed) if "in_domain" in methods else None
    if "in_domain" in methods and human is None:
        data.notes.append(f"{task.name}: no in-domain baseline ({task.in_domain_note})")
    for size in (s for s in config.sizes if s != "XS"):
        pools = {m: _shuffled(g.samples, config.seed) for m, g in data.generated.items()}
        if human is not None:
            pools["in_domain"] = human
        for method, pool in equal_sizes(pools, config.rows(size), f"{task.name} {size}", data.notes).items():
            data.sets[(method, size)] = [clean(task, s) for s in pool]


def equal_sizes(pools: dict[str, list[dict]], target: int, label: str, notes: list[str]) -> dict[str, list[dict]]:
    """Every pool cut to the same size: ``target``, or the smallest pool holding at least half of it.

    A pool with fewer than half the target rows (a generator whose answers mostly failed the
    filters) is left out of that size rather than shrinking every other method; the note says so.
    """
    enough = {m: p for m, p in pools.items() if len(p) >= math.ceil(target / 2)}
    for method in pools.keys() - enough.keys():
        notes.append(f"{label}: {method} left out, only {len(pools[method])} of {target} rows survived the filters")
    if not enough:
        return {}
    n = min(target, *(len(p) for p in enough.values()))
    if n < target:
        notes.append(f"{label}: every method cut to {n} rows (asked {target})")
    return {m: p[:n] for m, p in enough.items()}


def _shuffled(samples: list[dict], seed: int) -> list[dict]:
    order = list(samples)
    random.Random(seed).shuffle(order)
    return order


def save_sets(data: TaskData, directory: Path, run_dir: Any = None, config: CraftConfig | None = None,
              teacher: Teacher | None = None, tag: str = "") -> list[Path]:
    """Every training set as JSONL (``datasets/<task>/<method>-<size>.jsonl``), written atomically; with a
    run directory also as a Hugging Face dataset with its data card (``<run>/datasets/<task>-<method>-<size>``)."""
    from synthlib.runs import atomic

    paths = []
    for (method, size), samples in data.sets.items():
        text = "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in samples)
        paths.append(atomic.write_text(directory / "datasets" / data.task.name / f"{method}-{size}.jsonl", text))
        if run_dir is not None and config is not None and teacher is not None:
            paths.append(_save_card(data, method, size, samples, run_dir, config, teacher, tag))
    return paths


def _save_card(data: TaskData, method: str, size: str, samples: list[dict], run_dir: Any, config: CraftConfig,
               teacher: Teacher, tag: str) -> Path:
    """One set through ``synthlib.runs.datasets.save_synthetic``: rows with lineage, and the data card."""
    from synthlib.methods.craft.synthesis import sampling
    from synthlib.models import is_stand_in
    from synthlib.prompts import craft as prompts
    from synthlib.runs.datasets import DataCard, save_synthetic

    rows = [{**s, "round": s.get("step", "human"), "parent": s.get("doc_id", ""),
             "teacher_call": s.get("teacher_call", "")} for s in samples]
    generated = data.generated.get(method)
    filters = {} if generated is None else {
        step.filter: {"total": step.n_in, "kept": step.n_kept, "reasons": dict(step.reasons)}
        for step in generated.report.steps}
    card = DataCard(method=f"craft:{method}", task=data.task.name, teacher=teacher.signature.to_dict(),
                    student={"model": config.student, "lora_r": config.lora_r, "lora_alpha": config.lora_alpha,
                             "epochs": config.epochs, "learning_rate": config.learning_rate},
                    prompts={"templates": {"system": prompts.SYSTEM, "augment": prompts.AUGMENT,
                                           "self_instruct": prompts.SELF_INSTRUCT, "evol": prompts.EVOL},
                             "example": "" if generated is None else generated.extra.get("example", "")},
                    sampling=sampling(config).to_dict(), filters=filters,
                    lineage={"round": "round", "parent": "parent", "teacher_call": "teacher_call"},
                    sources=[*config.corpus, "craft_fewshots"], config=config.to_dict(),
                    notes=("written by a STAND-IN teacher: not the paper's setting" if is_stand_in(config.teacher)
                           else "") + ("; human data (no teacher call)" if method in ("in_domain", "fewshots") else ""))
    name = "-".join(p for p in (data.task.name, method, size, tag.replace(" ", "_")) if p)
    return save_synthetic(run_dir, name, rows, card)


def evaluate_set(data: TaskData, method: str, size: str, config: CraftConfig, judge: Teacher | None,
                 seed: int, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Train a fresh LoRA student on one set and score it on the test rows."""
    from synthlib.methods.craft.students import judged, score_mc, student_summaries, train_student

    task, samples = data.task, data.sets[(method, size)]
    batch = config.fewshot_batch_size if size == "XS" else config.batch_size
    progress(f"{task.name} / {method} / {size}: training a LoRA student on {len(samples)} rows (seed {seed})")
    student, trained = train_student(task, samples, config, batch, seed)
    values = score_mc(student, task, data.test) if task.is_mc else \
        judged(judge, data.test, student_summaries(student, task, data.test, config), config)
    return {"task": task.name, "method": method, "size": size, "rows": len(samples), "seed": seed,
            "metric": "accuracy" if task.is_mc else "win_rate", "score": values.get("accuracy", values.get("win_rate")),
            **values, "train_seconds": round(trained.train_seconds, 1), "train_steps": trained.steps}


def evaluate_teacher(data: TaskData, config: CraftConfig, teacher: Teacher, judge: Teacher | None) -> dict | None:
    """The teacher answering the test itself: letter log-probabilities zero-shot (MC) or its own judged TLDRs."""
    from synthlib.methods.craft.scripted import REFERENCE
    from synthlib.methods.craft.students import fresh_student, judged, score_mc

    task = data.task
    base = {"task": task.name, "method": "teacher", "size": "-", "rows": 0, "seed": config.seed,
            "metric": "accuracy" if task.is_mc else "win_rate"}
    if task.is_mc:
        if config.teacher == REFERENCE:
            data.notes.append(f"{task.name}: the scripted teacher has no token probabilities, so no teacher row")
            return None
        values = score_mc(fresh_student(config.teacher), task, data.test)
    else:
        values = judged(judge, data.test, teacher_summaries(task, data.test, teacher, config), config)
    return {**base, "score": values.get("accuracy", values.get("win_rate")), **values}


def teacher_summaries(task: CraftTask, rows: list[dict], teacher: Teacher, config: CraftConfig) -> list[str]:
    """The teacher's own TLDR of every test article (greedy)."""
    from synthlib.methods.craft.synthesis import request
    from synthlib.teachers.base import SamplingParams

    params = SamplingParams(max_new_tokens=config.summary_tokens, temperature=0.0)
    requests = [request(task.source({"section": r["article"][: config.document_chars]}), params, config.seed,
                        config.chat, {"step": "teacher_summary", "task": task.name, "doc_id": f"test-{i}",
                                      "document": r["article"][: config.document_chars]})
                for i, r in enumerate(rows)]
    return [g.text.strip() for g in teacher.generate(requests)]


def contamination(data: TaskData) -> list[dict]:
    """5-gram weighted Jaccard (%) of every training set against the task's test set (paper section 5.2)."""
    from synthlib.metrics.text import weighted_jaccard

    tests = test_texts(data.task, data.test)
    rows = []
    for (method, size), samples in data.sets.items():
        texts = [data.task.text(s) for s in samples]
        rows.append({"task": data.task.name, "method": method, "size": size, "rows": len(samples),
                     "jaccard_5gram_%": 100 * weighted_jaccard(texts, tests, 5) if texts else None,
                     "paper_%": _paper_contamination(data.task.name, method)})
    return rows


def _paper_contamination(task: str, method: str) -> Any:
    if method == "craft":
        return PAPER_CONTAMINATION["craft"]
    if method == "in_domain":
        return PAPER_CONTAMINATION["in_domain"].get(task)
    return None


def filter_table(data: dict[str, TaskData]):
    """Per task and generator: what was asked, what each filter removed (the paper's rows), what was kept."""
    import pandas as pd

    rows = []
    for name, item in data.items():
        for method, generated in item.generated.items():
            counts = filter_rows(generated.report)
            rows.append({"task": name, "method": method, "asked": generated.asked, **counts,
                         "kept": generated.report.n_kept, "source": "ours"})
        if name in PAPER_FILTERS_S:
            paper = dict(PAPER_FILTERS_S[name])
            rows.append({"task": name, "method": "craft (paper, size S)", "asked": paper.pop("retrieved"), **paper,
                         "source": "paper"})
    frame = pd.DataFrame(rows)
    order = ["task", "method", "source", "asked", "exact_duplicate", "too_long", "format", "too_similar_to_fewshot",
             "near_duplicate", "kept"]
    return frame.reindex(columns=[c for c in order if c in frame] + [c for c in frame if c not in order])


def reasons_table(data: dict[str, TaskData]):
    """Every filter step and reason with its count (more detail than :func:`filter_table`)."""
    import pandas as pd

    frames = []
    for name, item in data.items():
        for method, generated in item.generated.items():
            table = generated.report.table()
            frames.append(table.assign(task=name, method=method))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def paper_table(scores) -> Any:
    """Our score beside the paper's where the paper reports the same task, method and size."""
    import pandas as pd

    rows = []
    for r in scores.to_dict(orient="records"):
        size = "XS" if r["method"] == "fewshots" else r["size"]
        paper = PAPER.get(size, {}).get(r["task"]) if r["method"] in ("craft", "fewshots") else None
        rows.append({"task": r["task"], "method": r["method"], "size": r["size"], "rows": r["rows"],
                     "metric": r["metric"], "ours": r["score"], "paper": paper})
    for size, values in PAPER.items():  # the paper's endpoints, also where we did not train that size
        for task, value in values.items():
            if not any(x["task"] == task and x["size"] == size and x["paper"] is not None for x in rows):
                rows.append({"task": task, "method": "craft" if size != "XS" else "fewshots", "size": size,
                             "rows": None, "metric": "accuracy" if task != "summarization" else "win_rate",
                             "ours": None, "paper": value})
    tasks = set(scores["task"]) if len(scores) else set()
    return pd.DataFrame([r for r in rows if r["task"] in tasks])


@dataclass
class Materials:
    """What every variant of one chapter shares: the teacher, the judge, the corpus store, the work dir."""

    teacher: Teacher
    judge: Teacher
    store: Any
    directory: Path


def materials(config: CraftConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Materials:
    """Open the teacher (cached), the judge and, when CRAFT generates, the corpus store."""
    directory = work_dir(config, run_dir)
    teacher = open_teacher(config.teacher, directory)
    judge = teacher if not config.judge or config.judge == config.teacher else open_teacher(config.judge, directory)
    if run_dir is not None:
        run_dir.add_model("teacher", teacher.signature.to_dict())
        run_dir.add_model("judge", judge.signature.to_dict())
    store = None
    if "craft" in config.methods and config.largest:
        from synthlib.methods.craft.retrieval import open_store

        store = open_store(config)
        progress(f"corpus store: {store.n_docs} documents in {len(store.shards)} shards")
    return Materials(teacher, judge, store, directory)


def run_tasks(config: CraftConfig, kit: Materials, progress: Callable[[str], None] = print,
              seeds: list[int] | None = None, tag: str = "",
              run_dir: Any = None) -> tuple[list[dict], list[dict], dict[str, TaskData]]:
    """Build, save, train and score every set of every task: (score rows, contamination rows, task data).

    ``seeds`` trains one student per seed on each set (the spread); ``tag`` names the variant in the
    rows and in the dataset folder.
    """
    scores, contaminated, data = [], [], {}
    directory = kit.directory / tag if tag else kit.directory
    for name in config.tasks:
        data[name] = item = prepare(name, config, kit.teacher, progress)
        build_sets(item, config, kit.teacher, kit.store, progress)
        save_sets(item, directory, run_dir, config, kit.teacher, tag)
        for method, size in item.sets:
            for seed in seeds or [config.seed]:
                scores.append(evaluate_set(item, method, size, config, kit.judge, seed, progress))
        if "teacher" in config.methods:
            row = evaluate_teacher(item, config, kit.teacher, kit.judge)
            if row is not None:
                scores.append(row)
        contaminated += contamination(item)
    if tag:
        for row in [*scores, *contaminated]:
            row["variant"] = tag
    return scores, contaminated, data


def run(config: CraftConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """CRAFT and its baselines on every task of the config."""
    import pandas as pd

    from synthlib.models import is_stand_in

    kit = materials(config, run_dir, progress)
    scores, contaminated, data = run_tasks(config, kit, progress, run_dir=run_dir)
    frame = pd.DataFrame(scores)
    notes = [n for item in data.values() for n in item.notes]
    result = Result(scores=frame, paper=paper_table(frame), filters=filter_table(data),
                    contamination=pd.DataFrame(contaminated), data=data, teacher=config.teacher,
                    stand_in=is_stand_in(config.teacher) or is_stand_in(config.student), notes=notes)
    if run_dir is not None:
        save(result, run_dir, kit.directory)
    return result


def save(result: Result, run_dir: Any, directory: Path) -> None:
    """Tables and headline numbers into the run directory (datasets are already under ``datasets/``)."""
    run_dir.save_table(result.scores, "scores")
    run_dir.save_table(result.paper, "paper_vs_ours")
    run_dir.save_table(result.filters, "filters")
    run_dir.save_table(result.contamination, "contamination")
    run_dir.save_results({"scores": result.scores.to_dict(orient="records"), "teacher": result.teacher,
                          "stand_in": result.stand_in, "notes": result.notes,
                          "datasets": str(directory / "datasets")})


def work_dir(config: CraftConfig, run_dir: Any) -> Path:
    """Where datasets and the scripted teacher's cache go: ``work_dir``, else the run dir, else a temp folder."""
    if config.work_dir:
        return Path(config.work_dir)
    if run_dir is not None:
        return Path(run_dir.path)
    import tempfile

    return Path(tempfile.mkdtemp(prefix="craft-"))
