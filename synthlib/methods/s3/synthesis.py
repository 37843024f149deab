"""S3's teacher requests and their parsing: seed synthesis, ZeroGen, and error extrapolation.

* :func:`seed_with_rationales` (single-sentence tasks): ask for K rationales per label, then for
  each sample draw a label and k of its rationales and ask for a sample that shows them.
* :func:`seed_from_contexts` (multi-sentence tasks): draw a context from a pool (RTE premise, QNLI
  sentence, AdversarialQA context + answer) and a label, and ask for the missing part.
* :func:`seed_plain`: plain zero-shot prompts (ZeroGen; "without rationales" for IMDb).
* :class:`ExtrapolationPrompts`: the EES prompt builder for :class:`synthlib.loop.FeedbackLoop`;
  :func:`part_parser` parses its answers.

Every request carries ``metadata["s3"]`` (what it asks for; the scripted stand-in teacher reads it)
and, for samples, ``metadata["fields"]`` (fields copied into the sample, e.g. the requested label).
Choices (labels, rationales, contexts) are drawn from ``Random(f"{seed}-{i}")`` per sample, so a
larger set of n samples extends a smaller one: the first ones, and their teacher calls, are shared.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from synthlib.methods.s3.tasks import TaskSpec
from synthlib.prompts import s3 as prompts
from synthlib.tasks.formats import is_span
from synthlib.teachers.base import Request, SamplingParams, Teacher, request_key
from synthlib.teachers.delivery import option_metadata
from synthlib.teachers.parsing import Parsed, ParseReport, parse_tagged, safe_parse

MIN_WORDS = 3

#: output formats (``synthlib.tasks.formats``) whose skeleton backends with constrained decoding (the hf
#: backend) force for the part a task's teacher writes; API backends ignore the constraint.
#: The format's own [label] tag, when present, is read past: the requested label is what the sample gets.
PART_CONSTRAINT = {"imdb": "sentiment", "rte": "nli", "qnli": "question", "adversarial_qa": "question"}
#: the same for plain prompts (ZeroGen), where the teacher writes the whole sample; a base-model teacher
#: also gets worked examples of these formats (``synthlib.teachers.delivery``; AdversarialQA's are cloze
#: questions on Wikipedia paragraphs, ``synthlib.tasks.examples``). QNLI has no train split offline to
#: draw examples from, so it has no format here.
PLAIN_CONSTRAINT = {"imdb": "sentiment", "rte": "nli_pair", "adversarial_qa": "extractive_qa"}


def requested_class(task: TaskSpec, fields: dict[str, Any]) -> dict[str, str]:
    """``{"option": <label name>}`` for a request whose fields ask for a label, else ``{}``
    (:func:`~synthlib.teachers.delivery.option_metadata`; S3 words labels "correct"/"wrong")."""
    return option_metadata(task.label_names, fields.get("label"))


@dataclass(frozen=True)
class Sampling:
    """The teacher's decoding settings (paper: nucleus sampling, temperature 0.9)."""

    temperature: float = 0.9
    top_p: float = 0.95
    max_new_tokens: int = 160

    def params(self, max_new_tokens: int | None = None) -> SamplingParams:
        """As the teacher contract's SamplingParams."""
        return SamplingParams(max_new_tokens=max_new_tokens or self.max_new_tokens, temperature=self.temperature,
                              top_p=self.top_p)


# -- seed: rationales (single-sentence tasks) -------------------------------------------------------

def rationale_requests(task: TaskSpec, k: int, calls: int, sampling: Sampling, seed: int) -> list[Request]:
    """``calls`` requests per label, each asking for ``k`` rationales (T_ration)."""
    requests = []
    for label, word in enumerate(prompts.LABEL_WORDS[task.name]):
        for index in range(calls):
            requests.append(Request(prompt=prompts.RATIONALE[task.name].format(k=k, label=word),
                                    sampling=sampling.params(), sample_index=index, seed=seed,
                                    metadata={"s3": {"step": "rationales", "task": task.name, "label": label, "k": k}}))
    return requests


def parse_rationales(text: str) -> Parsed:
    """A numbered or bulleted list of short phrases -> the phrases (at least one)."""
    items = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:\d+[.)]|[-*\u2022])\s*(.+?)\s*$", line)
        if match and 1 <= len(match.group(1).split()) <= 25:
            items.append(match.group(1).rstrip(".;"))
    unique = list(dict.fromkeys(items))
    return Parsed(True, unique) if unique else Parsed.reject("no rationale list")


def seed_with_rationales(task: TaskSpec, teacher: Teacher, n: int, k_rationales: int, k_draw: int,
                         sampling: Sampling, seed: int) -> tuple[list[dict], dict[str, Any]]:
    """Explain-then-generate seed data for a single-sentence task: rows and a report."""
    calls = rationale_requests(task, k_rationales, 1, sampling, seed)
    pools: dict[int, list[str]] = {}
    rationale_report = ParseReport()
    for request, generation in zip(calls, teacher.generate(calls), strict=True):
        parsed = safe_parse(parse_rationales, generation.text)
        rationale_report.add(parsed)
        if parsed.ok:
            pools.setdefault(request.metadata["s3"]["label"], []).extend(parsed.value)
    # the paper skips rationales when a task is hard to analyse; a label whose rationales did not parse
    # falls back to the plain prompt (reported), so a weak teacher degrades instead of stopping the run
    fallback = [task.label_names[y] for y in range(len(task.label_names)) if not pools.get(y)]
    requests = []
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        label = rng.randrange(len(task.label_names))
        words = prompts.LABEL_WORDS[task.name][label]
        drawn = rng.sample(pools[label], min(k_draw, len(pools[label]))) if pools.get(label) else []
        prompt = (prompts.QUERY_RATIONALE[task.name].format(rationales=", ".join(drawn), label=words) if drawn
                  else prompts.QUERY_PLAIN[task.name].format(label=words))
        requests.append(Request(prompt=prompt, sampling=sampling.params(), sample_index=i, seed=seed,
                                constraint=PART_CONSTRAINT[task.name],
                                metadata={"s3": {"step": "query_rationale", "task": task.name, "label": label,
                                                 "rationales": drawn}, "fields": {"label": label},
                                          **requested_class(task, {"label": label})}))
    rows, report = generate_rows(teacher, requests, part_parser(task, plain=False), "seed")
    return rows, {"rationales": {task.label_names[y]: v for y, v in pools.items()}, "plain_fallback": fallback,
                  "rationale_parse": rationale_report.to_dict(), "parse": report.to_dict()}


# -- seed: contexts (multi-sentence tasks) ----------------------------------------------------------

def context_pool(task: TaskSpec, rows: list[dict]) -> list[dict]:
    """Distinct contexts (QA: context + answer) from gold rows; their labels are never used."""
    seen, pool = set(), []
    for row in rows:
        key = (row[task.context_field], row.get("answer"))
        if key not in seen:
            seen.add(key)
            pool.append({task.context_field: row[task.context_field], **({"answer": row["answer"]}
                                                                          if task.kind == "qa" else {})})
    return pool


def seed_from_contexts(task: TaskSpec, teacher: Teacher, n: int, pool: list[dict], sampling: Sampling,
                       seed: int) -> tuple[list[dict], dict[str, Any]]:
    """T_query^(2): draw a context and a label, ask for the missing part."""
    if not pool:
        raise ValueError(f"no contexts to draw from for {task.name}; the probe set is empty")
    requests = []
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        context = pool[rng.randrange(len(pool))]
        fields: dict[str, Any] = dict(context)
        values = {"context": context[task.context_field]}
        if task.kind == "qa":
            fields["answers"] = [context["answer"]]
            values["answer"] = context["answer"]
        else:
            fields["label"] = rng.randrange(len(task.label_names))
            values["label"] = prompts.LABEL_WORDS[task.name][fields["label"]]
        requests.append(Request(prompt=prompts.QUERY_CONTEXT[task.name].format(**values), sampling=sampling.params(),
                                sample_index=i, seed=seed, constraint=PART_CONSTRAINT[task.name],
                                metadata={"s3": {"step": "query_context", "task": task.name, **values,
                                                 "label_id": fields.get("label")}, "fields": fields,
                                          **requested_class(task, fields)}))
    rows, report = generate_rows(teacher, requests, part_parser(task, plain=False), "seed")
    return rows, {"parse": report.to_dict(), "contexts": len(pool)}


# -- plain zero-shot (ZeroGen; without rationales) ---------------------------------------------------

def seed_plain(task: TaskSpec, teacher: Teacher, n: int, sampling: Sampling, seed: int,
               origin: str = "zerogen") -> tuple[list[dict], dict[str, Any]]:
    """Plain zero-shot prompts: a label (classification) and nothing else; the teacher writes every field."""
    requests = []
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        fields, values = {}, {}
        if task.is_classification:
            fields["label"] = rng.randrange(len(task.label_names))
            values["label"] = prompts.LABEL_WORDS[task.name][fields["label"]]
        requests.append(Request(prompt=prompts.QUERY_PLAIN[task.name].format(**values), sampling=sampling.params(),
                                sample_index=i, seed=seed, constraint=PLAIN_CONSTRAINT.get(task.name),
                                metadata={"s3": {"step": "plain", "task": task.name, "label_id": fields.get("label")},
                                          "fields": fields, **requested_class(task, fields)}))
    rows, report = generate_rows(teacher, requests, part_parser(task, plain=True), origin)
    return rows, {"parse": report.to_dict()}


# -- error extrapolation ---------------------------------------------------------------------------

@dataclass
class ExtrapolationPrompts:
    """EES prompts (T_mis): one request per selected row and sample, keeping the row's gold label."""

    task: TaskSpec
    sampling: Sampling
    seed: int = 0
    samples_per_error: int = 1

    def build(self, parents: list[dict], round_index: int) -> list[Request]:
        """Requests asking for samples similar to each parent, with the parent's label (or answer)."""
        requests = []
        for parent in parents:
            prompt, fields = self._prompt(parent)
            for j in range(self.samples_per_error):
                requests.append(Request(prompt=prompt, sampling=self.sampling.params(), sample_index=j,
                                        seed=self.seed + 1000 * round_index,
                                        constraint=PART_CONSTRAINT[self.task.name],
                                        metadata={"parent_id": parent["id"], "fields": fields,
                                                  **requested_class(self.task, fields),
                                                  "s3": {"step": "extrapolate", "task": self.task.name,
                                                         "parent": {k: v for k, v in parent.items()
                                                                    if k in ("text", "text1", "text2", "context",
                                                                             "question", "answer", "label")}}}))
        return requests

    def _prompt(self, parent: dict) -> tuple[str, dict[str, Any]]:
        task = self.task
        if task.kind == "single":
            word = prompts.LABEL_WORDS[task.name][parent["label"]]
            return prompts.MIS_SINGLE[task.name].format(label=word, text=parent["text"]), {"label": parent["label"]}
        if task.kind == "pair":
            word = prompts.LABEL_WORDS[task.name][parent["label"]]
            text = prompts.MIS_CONTEXT[task.name].format(context=parent[task.context_field],
                                                         part=parent[task.missing_field], label=word)
            return text, {task.context_field: parent[task.context_field], "label": parent["label"]}
        text = prompts.MIS_CONTEXT[task.name].format(context=parent["context"], answer=parent["answer"],
                                                     part=parent["question"])
        return text, {"context": parent["context"], "answer": parent["answer"], "answers": [parent["answer"]]}


# -- parsing -----------------------------------------------------------------------------------------

#: plain prompts: tag -> student column, per task
PLAIN_TAGS = {"imdb": {"text": "text"}, "rte": {"premise": "text1", "hypothesis": "text2"},
              "qnli": {"sentence": "text2", "question": "text1"},
              "adversarial_qa": {"context": "context", "question": "question", "answer": "answer"}}


def part_parser(task: TaskSpec, plain: bool):
    """A parser for this task's answers: the tagged fields -> student columns, with counted rejections.

    Rejections: a missing or empty tag, fewer than 3 words, a copy of the example it was asked to
    extrapolate ("copied the example"), a QA answer that is not a span of its context.
    """
    tags = PLAIN_TAGS[task.name] if plain else {prompts.PART_TAG[task.name]: task.missing_field or "text"}

    def parse(text: str, request: Request | None = None) -> Parsed:
        parsed = parse_tagged(text, list(tags), optional=[t for t in ("label",) if t not in tags])
        if not parsed.ok:
            return parsed
        values = {column: _clean(parsed.value[tag]) for tag, column in tags.items()}
        for column, value in values.items():
            if column != "answer" and len(value.split()) < MIN_WORDS:
                return Parsed.reject(f"too short [{column}]")
        parent = ((request.metadata.get("s3") or {}).get("parent") or {}) if request is not None else {}
        if any(parent.get(column, "").strip().lower() == value.lower() for column, value in values.items()):
            return Parsed.reject("copied the example")
        if task.kind == "qa" and plain:
            values["context"] = " ".join(values["context"].split())  # the student finds the answer in it
            if not is_span(values["answer"], values["context"]):
                return Parsed.reject("answer not in context")
            values["answers"] = [values["answer"]]
        return Parsed(True, values)

    return parse


def _clean(value: str) -> str:
    return value.strip().strip('"').strip()


def generate_rows(teacher: Teacher, requests: list[Request], parser, origin: str,
                  round_index: int = 0) -> tuple[list[dict], ParseReport]:
    """Ask the teacher, parse every answer, and return kept rows (with lineage) and the parse report."""
    report, rows = ParseReport(), []
    signature = teacher.signature
    for index, (request, generation) in enumerate(zip(requests, teacher.generate(requests), strict=True)):
        parsed = safe_parse(lambda t, r=request: parser(t, r), generation.text)
        report.add(parsed)
        if parsed.ok:
            rows.append({**parsed.value, **request.metadata.get("fields", {}), "id": f"{origin}-{index}",
                         "round": round_index, "parent_id": None, "origin": origin,
                         "request_key": request_key(signature, request), "sample_index": request.sample_index,
                         "teacher": signature.model})
    return rows, report
