"""Where SoftSRV's and the baselines' questions come from, how they are filtered, and their answers.

* **SoftSRV**: train (or load) a soft prompt on the task's target questions, then sample at
  temperature 1 from P(E(x_i)), cycling over the targets x_i (:func:`softsrv_questions`);
* **PT**: the domain template seeded with a target question, ten questions per call, high
  temperature, parsed from the ``Question k:`` list (:func:`pt_questions`);
* **PT_SR**: PT's questions, then rounds of critique and rewrite by the same model (:func:`refine`);
* every set: exact duplicates dropped -> diversified to N_s (TF-IDF -> SVD -> MiniBatch k-means,
  round robin) -> 13-gram decontamination against the test questions (:func:`filter_questions`);
* answers from the instruct teacher: SoftSRV's questions sent as they are, PT's through the answer
  template (:func:`answer`).

Every model call is a teacher call through the SQLite cache (the soft prompt's too), and a
trained prompt is stored under the cache folder keyed by everything that shaped it, so a rerun
neither retrains nor regenerates.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.filters import Diversify, ExactDedup, FilterPipeline, NgramDecontaminator, PipelineReport
from synthlib.methods.softsrv.tasks import TaskData, parse_answer
from synthlib.prompts import softsrv as prompts
from synthlib.teachers.base import Request, SamplingParams, Teacher
from synthlib.teachers.parsing import Parsed, ParseReport, safe_parse

_NUMBERED = re.compile(r"(?:^|\n)\s*(?:Question|Passage and Question)\s*\d+\s*[:.]\s*", re.I)


@dataclass
class PromptRun:
    """One trained soft prompt: its spec, parameter count, loss curve, and where it is stored."""

    variant: str
    tokens: int
    parameters: int
    losses: list[float] = field(default_factory=list)
    path: str = ""
    reused: bool = False


def prompt_spec(variant: str, tokens: int, frozen: Any, encoder: Any, mlp_hidden: int, mlp_layers: int):
    """The PromptSpec of ``variant`` (np, mp<k>, mc) for the frozen LLM's width and the encoder's."""
    from synthlib.softprompt.params import PromptSpec, parse_variant

    kind, k = parse_variant(variant)
    return PromptSpec(kind, tokens, int(frozen.model.get_input_embeddings().weight.shape[1]), encoder.size,
                      k=k or 2, mlp_hidden=mlp_hidden, mlp_layers=mlp_layers)


def trained_prompt(spec: Any, frozen: Any, encoder: Any, targets: list[str], settings: Any, folder: Path,
                   progress: bool = True) -> tuple[Any, PromptRun]:
    """Load the prompt trained with exactly these inputs from ``folder``, or train and store it."""
    from synthlib.softprompt.params import parameter_count
    from synthlib.softprompt.training import load_prompt, new_prompt, save_prompt, train_prompt

    key = _digest({"frozen": frozen.signature.to_dict(), "spec": spec.to_dict(), "settings": vars(settings),
                   "targets": _digest(targets)})
    path = folder / f"{spec.name}-t{spec.tokens}-{key}.pt"
    info = PromptRun(spec.name, spec.tokens, parameter_count(spec), path=str(path))
    if path.is_file():
        prompt, extra = load_prompt(path)
        info.losses, info.reused = list(extra.get("losses", [])), True
        return prompt, info
    prompt = new_prompt(spec, frozen.model, settings.seed)
    result = train_prompt(prompt, frozen.model, frozen.tokenizer, encoder, targets, settings, progress)
    info.losses = result.losses
    save_prompt(prompt, path, {"losses": result.losses, "frozen": frozen.signature.to_dict(), "seconds": result.seconds})
    return prompt, info


def softsrv_questions(prompt: Any, frozen: Any, encoder: Any, targets: list[str], n: int, max_new_tokens: int,
                      seed: int, cache: Any = True, progress: bool = True) -> list[str]:
    """``n`` samples at temperature 1 from P(E(x_i)), x_i cycling over ``targets`` (one request each)."""
    from synthlib.softprompt.generation import SoftPromptTeacher
    from synthlib.teachers.cache import CachedTeacher

    teacher: Teacher = SoftPromptTeacher(prompt, frozen, encoder)
    if cache:
        teacher = CachedTeacher(teacher, None if cache is True else cache, progress=progress,
                                description=f"softsrv {prompt.spec.name}")
    sampling = SamplingParams(max_new_tokens=max_new_tokens, temperature=1.0)
    requests = [Request(prompt=targets[i % len(targets)], sampling=sampling, sample_index=i, seed=seed)
                for i in range(n)]
    return [g.text.strip() for g in teacher.generate(requests)]


def pt_questions(task: str, generator: Teacher, targets: list[str], n: int, temperature: float, max_new_tokens: int,
                 seed: int, per_call: int = 10) -> tuple[list[str], ParseReport]:
    """About ``n`` questions from the PT template (``per_call`` asked per call), parsed from the list."""
    calls = -(-n // per_call)
    sampling = SamplingParams(max_new_tokens=max_new_tokens, temperature=temperature)
    requests = [Request(prompt=prompts.questions_prompt(task, targets[i % len(targets)]), sampling=sampling,
                        sample_index=i, seed=seed,
                        metadata={"softsrv": {"step": "pt", "task": task, "example": targets[i % len(targets)]}})
                for i in range(calls)]
    report, questions = ParseReport(), []
    for generation in generator.generate(requests):
        found = [q for q in (" ".join(p.split()) if task != "boolq" else p.strip()
                             for p in _NUMBERED.split("Question 1:" + generation.text)) if len(q.split()) >= 4]
        report.add(Parsed(True, found) if found else Parsed.reject("no question in the list"))
        questions += found[:per_call]
    return questions[:n], report


def refine(task: str, teacher: Teacher, questions: list[str], rounds: int, max_new_tokens: int,
           seed: int) -> tuple[list[str], dict[str, int]]:
    """PT_SR: per round, a critique of each question, then a rewrite from it ('Stop' keeps the question)."""
    counts = {"rewritten": 0, "stopped": 0, "unusable": 0}
    sampling = SamplingParams(max_new_tokens=max_new_tokens, temperature=1.0)
    for r in range(rounds):
        critiques = teacher.generate([
            Request(prompt=prompts.critique_prompt(task, q), sampling=sampling, sample_index=i, seed=seed + 1000 * r,
                    metadata={"softsrv": {"step": "critique", "task": task, "question": q}})
            for i, q in enumerate(questions)])
        rewrites = teacher.generate([
            Request(prompt=prompts.refine_prompt(task, q, c.text), sampling=sampling, sample_index=i,
                    seed=seed + 1000 * r + 1, metadata={"softsrv": {"step": "refine", "task": task, "question": q}})
            for i, (q, c) in enumerate(zip(questions, critiques))])
        updated = []
        for question, rewrite in zip(questions, rewrites):
            text = rewrite.text.strip()
            if text.lower().startswith("stop"):
                counts["stopped"] += 1
                updated.append(question)
            elif len(text.split()) < 4:
                counts["unusable"] += 1  # an empty or truncated rewrite: keep the question it was meant to improve
                updated.append(question)
            else:
                counts["rewritten"] += 1
                updated.append(text if task == "boolq" else " ".join(text.split()))
        questions = updated
    return questions, counts


def filter_questions(questions: list[str], data: TaskData, target: int, clusters: int, svd_dims: int,
                     seed: int, diversify: bool = True) -> tuple[list[str], PipelineReport]:
    """Exact dedup -> diversify to ``target`` -> 13-gram decontamination against the test questions."""
    steps: list[Any] = [ExactDedup(fields=None)]
    if diversify:
        steps.append(Diversify(target=target, n_clusters=clusters or None, svd_dims=svd_dims, seed=seed, fields=None))
    steps.append(NgramDecontaminator(eval_texts=[row["question"] for row in data.test], n=13, fields=None))
    return FilterPipeline(steps).apply([q for q in questions if q.strip()])


def answer(task: str, teacher: Teacher, questions: list[str], template: bool, max_new_tokens: int,
           seed: int) -> tuple[list[dict], ParseReport]:
    """(question, answer) pairs from the instruct teacher (greedy); unusable answers are counted and dropped."""
    sampling = SamplingParams(max_new_tokens=max_new_tokens, temperature=0.0)
    requests = [Request(messages=({"role": "user", "content": prompts.answer_prompt(task, q, template)},),
                        sampling=sampling, seed=seed,
                        metadata={"softsrv": {"step": "answer", "task": task, "question": q}}) for q in questions]
    pairs, report = [], ParseReport()
    for question, generation in zip(questions, teacher.generate(requests)):
        parsed = safe_parse(lambda text: parse_answer(task, text), generation.text)
        report.add(parsed)
        if parsed.ok:
            pairs.append({"question": question, "answer": parsed.value})
    return pairs, report


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]
