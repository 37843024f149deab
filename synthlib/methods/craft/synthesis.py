"""Augmentation: prompts from few-shots and retrieved documents, teacher answers, filters with reasons.

Every answer goes through the filters in the paper's order (Tables 5-9), each counting what it
removed: exact duplicates, excessive length, format (bad JSON, missing key, wrong type, bad answer
label, wrong option count), too similar to a few-shot, near-duplicate of an earlier sample
(rapidfuzz ``token_set_ratio`` above the threshold). Summarization runs two teacher steps:
extract a section of the document, then summarize that section; each step's rejections count.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from synthlib.filters import ExactDedup, FilterPipeline, FilterReport, FuzzyDedup, LengthFilter, SchemaFilter
from synthlib.filters.base import PipelineReport
from synthlib.methods.craft.tasks import CraftTask
from synthlib.prompts import craft as prompts
from synthlib.teachers.base import Request, SamplingParams, Teacher

SHOTS_PER_PROMPT = 3
#: filter reasons grouped into the paper's rows (Tables 5-9)
PAPER_ROWS = {"exact_duplicate": "exact_duplicate", "too_long": "too_long", "too_short": "too_long",
              "bad_json": "format", "missing_key": "format", "bad_type": "format", "bad_label": "format",
              "bad_options": "format", "too_similar_to_fewshot": "too_similar_to_fewshot",
              "near_duplicate": "near_duplicate"}


@dataclass
class Generated:
    """Filtered samples of one generator and the report of every step."""

    samples: list[dict]
    report: PipelineReport
    asked: int = 0  # teacher requests of the first step (documents, or prompts)
    extra: dict[str, Any] = field(default_factory=dict)


def sampling(config: Any, tokens: int | None = None) -> SamplingParams:
    """The teacher's decoding settings (paper: temperature 0.7, top-k 40, top-p 0.9)."""
    return SamplingParams(max_new_tokens=tokens or config.max_new_tokens, temperature=config.temperature,
                          top_p=config.top_p, top_k=config.top_k)


def request(text: str, params: SamplingParams, seed: int, chat: bool, info: dict) -> Request:
    """One teacher request: chat messages (system + user) or a plain prompt; ``info`` rides in the metadata."""
    if chat:
        messages = ({"role": "system", "content": prompts.SYSTEM}, {"role": "user", "content": text})
        return Request(messages=messages, sampling=params, seed=seed, metadata={"craft": info})
    return Request(prompt=f"{prompts.SYSTEM}\n\n{text}", sampling=params, seed=seed, metadata={"craft": info})


def keys_hint(task: CraftTask, step: str) -> str:
    """The JSON shape shown to the teacher for ``step``."""
    if step in ("extract", "summarize"):
        return prompts.KEYS_HINT[step]
    if not task.is_mc:
        return '{"section": "...", "summary": "..."}'
    return prompts.KEYS_HINT["mc2" if len(task.letters) == 2 else "mc4"]


def instruction(task: CraftTask, step: str) -> str:
    """The instruction line of ``step``."""
    if task.is_mc:
        return prompts.TASK_INSTRUCTIONS[task.name] + prompts.ANSWER_NOTE
    if step in ("extract", "summarize"):
        return prompts.TASK_INSTRUCTIONS[f"summarization_{step}"]
    return "Write a passage of 100 to 400 words and a short TLDR of it."


def shot_pair(shot: dict, step: str) -> tuple[str, str]:
    """A few-shot as (source text, JSON answer) for ``step``."""
    sample = shot["sample"]
    if step == "extract":
        return shot["text"], json.dumps({"section": sample["section"]}, ensure_ascii=False)
    if step == "summarize":
        return sample["section"], json.dumps({"summary": sample["summary"]}, ensure_ascii=False)
    return shot["text"], json.dumps(sample, ensure_ascii=False)


def augment_prompt(task: CraftTask, shots: list[dict], document: str, config: Any, step: str = "augment") -> str:
    """Instruction + exactly three few-shots (text, then JSON) + the document, ending at ``JSON:``."""
    if len(shots) != SHOTS_PER_PROMPT:
        raise ValueError(f"an augmentation prompt shows {SHOTS_PER_PROMPT} few-shots, got {len(shots)}")
    pairs = [shot_pair(s, step) for s in shots]
    return prompts.AUGMENT.format(instruction=instruction(task, step),
                                  examples=prompts.examples_block(pairs, config.fewshot_chars),
                                  keys=keys_hint(task, step), document=document[: config.document_chars])


def augment_requests(task: CraftTask, shots: list[dict], documents: list[dict], config: Any,
                     step: str = "augment") -> list[Request]:
    """One request per document, each with three few-shots drawn at random (seeded by the document)."""
    tokens = config.summary_max_new_tokens if step in ("extract", "summarize") else config.max_new_tokens
    params = sampling(config, tokens)
    out = []
    for doc in documents:
        rng = random.Random(f"{config.seed}-{task.name}-{step}-{doc['id']}")
        chosen = rng.sample(shots, SHOTS_PER_PROMPT)
        text = augment_prompt(task, chosen, doc["text"], config, step)
        info = {"step": step, "task": task.name, "doc_id": doc["id"], "title": doc.get("title", ""),
                "document": doc["text"][: config.document_chars], "shots": [s["sample"] for s in chosen]}
        out.append(request(text, params, config.seed, config.chat, info))
    return out


def ask(teacher: Teacher, requests: list[Request], extra: dict | None = None) -> list[dict]:
    """Teacher answers as candidate rows ``{"output", **metadata, **extra}`` (cached, batched, with a bar)."""
    from synthlib.teachers.base import request_key

    generations = teacher.generate(requests)
    rows = []
    for req, gen in zip(requests, generations, strict=True):
        info = req.metadata["craft"]
        rows.append({"output": gen.text, "doc_id": info.get("doc_id", ""), "step": info["step"],
                     "teacher_call": request_key(teacher.signature, req), **(extra or {})})
    return rows


@dataclass
class SampleShape:
    """The task's shape after parsing: the right number of options, an answer among them; sets ``text``."""

    task: CraftTask
    name: str = "shape"

    def apply(self, samples: list[dict]) -> tuple[list[dict], FilterReport]:
        """Reason ``bad_options`` (MC: wrong option count, an empty option or question; summary: empty text)."""
        kept, reasons = [], Counter()
        for sample in samples:
            fixed = normalise(self.task, sample)
            if fixed is None:
                reasons["bad_options"] += 1
            else:
                kept.append(fixed)
        return kept, FilterReport(self.name, len(samples), len(kept), reasons)


def normalise(task: CraftTask, sample: dict) -> dict | None:
    """The sample with a clean answer letter and its ``text``; None when its shape is wrong."""
    sample = dict(sample)
    if task.is_mc:
        options = [str(o).strip() for o in sample["options"]]
        if len(options) != len(task.letters) or not all(options) or not str(sample["question"]).strip():
            return None
        answer = str(sample["answer"]).strip().rstrip(".").strip()
        if answer not in task.letters:
            return None
        sample.update(question=str(sample["question"]).strip(), options=options, answer=answer)
    elif not str(sample.get("section", "")).strip() or not str(sample.get("summary", "")).strip():
        return None
    sample["text"] = task.text(sample)
    return sample


def raw_filters(config: Any, max_words: int, prefix: str = "") -> list[Any]:
    """Filters on the raw answer text: exact duplicates, then length."""
    return [ExactDedup(fields=("output",), name=f"{prefix}exact_dedup"),
            LengthFilter(min_words=1, max_words=max_words, fields=("output",), name=f"{prefix}length")]


def format_filter(task: CraftTask, step: str, prefix: str = "") -> SchemaFilter:
    """Parse the JSON answer of ``step`` and check its keys, types and answer label."""
    if step == "extract":
        return SchemaFilter(required={"section": "str"}, name=f"{prefix}format")
    if step == "summarize":
        return SchemaFilter(required={"summary": "str"}, name=f"{prefix}format")
    allowed = {"answer": [*task.letters, *(f"{x}." for x in task.letters)]} if task.is_mc else {}
    return SchemaFilter(required=task.keys(), allowed=allowed, name=f"{prefix}format")


def similarity_filter(task: CraftTask, shots: list[dict], config: Any) -> FuzzyDedup:
    """Too similar to a few-shot, or a near-duplicate of an earlier sample."""
    return FuzzyDedup(fewshots=[task.text(s["sample"]) for s in shots], threshold=config.fuzzy_threshold,
                      fields=("text",), name="similarity")


def sample_filters(task: CraftTask, shots: list[dict], config: Any, step: str = "augment") -> FilterPipeline:
    """The whole chain for one-step answers (QA, and the baselines of every task)."""
    return FilterPipeline([*raw_filters(config, config.max_words), format_filter(task, step), SampleShape(task),
                           similarity_filter(task, shots, config)])


def craft_samples(task: CraftTask, shots: list[dict], documents: list[dict], teacher: Teacher,
                  config: Any) -> Generated:
    """Rewrite every document into a task sample and filter them; summarization in two steps."""
    if task.is_mc:
        requests = augment_requests(task, shots, documents, config)
        samples, report = sample_filters(task, shots, config).apply(ask(teacher, requests))
        return Generated(_with_docs(samples, documents), report, asked=len(documents),
                         extra={"example": prompt_text(requests[0]) if requests else ""})
    return _summaries(task, shots, documents, teacher, config)


def _summaries(task: CraftTask, shots: list[dict], documents: list[dict], teacher: Teacher,
               config: Any) -> Generated:
    first = FilterPipeline([*raw_filters(config, 2 * config.max_words, "extract:"),
                            format_filter(task, "extract", "extract:")])
    requests = augment_requests(task, shots, documents, config, "extract")
    extracted, first_report = first.apply(ask(teacher, requests))
    sections = [{"id": row["doc_id"], "text": row["section"], "title": ""} for row in extracted]
    summarized = ask(teacher, augment_requests(task, shots, sections, config, "summarize"))
    for row, section in zip(summarized, sections, strict=True):
        row["section"] = section["text"]
    second = FilterPipeline([*raw_filters(config, config.max_words, "summarize:"),
                             format_filter(task, "summarize", "summarize:"), SampleShape(task),
                             similarity_filter(task, shots, config)])
    samples, second_report = second.apply(summarized)
    report = PipelineReport([*first_report.steps, *second_report.steps])
    return Generated(_with_docs(samples, documents), report, asked=len(documents),
                     extra={"example": prompt_text(requests[0]) if requests else ""})


def prompt_text(req: Request) -> str:
    """The text a request shows the teacher (its last chat message, or its prompt)."""
    return req.prompt if req.prompt is not None else req.messages[-1]["content"]


def _with_docs(samples: list[dict], documents: list[dict]) -> list[dict]:
    by_id = {d["id"]: d for d in documents}
    for sample in samples:
        doc = by_id.get(sample.get("doc_id"))
        if doc is not None:
            sample["strategy"] = doc["strategy"]
    return samples


def clean(task: CraftTask, sample: dict) -> dict:
    """Only the task's keys (what is saved and trained on) plus provenance fields where present."""
    keep = [*task.keys(), "doc_id", "strategy", "origin", "step", "teacher_call"]
    return {k: sample[k] for k in keep if k in sample}


def filter_rows(report: PipelineReport) -> dict[str, int]:
    """Counts per paper row (exact duplicate, length, format, few-shot similarity, near-duplicate)."""
    counts: Counter = Counter()
    for step in report.steps:
        for reason, n in step.reasons.items():
            counts[PAPER_ROWS.get(reason, reason)] += n
    return dict(counts)
