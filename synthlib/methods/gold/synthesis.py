"""GOLD's teacher requests and their parsing.

* :func:`train_request`: task definition + real examples (+ feedback examples, + earlier generations
  for the Prompt2Model-style baseline) -> one new training sample;
* :func:`ood_request`: task definition + real examples + the current training batch + the
  instruction to differ in topic and style -> one OOD validation sample;
* :func:`answer_request`: the teacher's own few-shot answer to a test item (a baseline);
* :func:`sample_parser` / :func:`answer_parser`: teacher text -> row fields, or a counted rejection.

Every request carries ``metadata["gold"]``: the step, the task, the requested label (classification
training samples of every method, balanced, as in the paper's Table 14 prompts), and
the rows shown in the prompt (``examples``, ``feedback``, ``batch``) so that the scripted stand-in
teacher and the lineage can read them without parsing the prompt back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthlib.methods.gold import formats
from synthlib.methods.gold.tasks import TaskSpec, number_text
from synthlib.prompts import gold as prompts
from synthlib.teachers.base import Request, SamplingParams
from synthlib.teachers.delivery import option_metadata
from synthlib.teachers.parsing import Parsed, parse_label

#: characters of a field shown in a prompt (long SQuAD paragraphs are cut; the task keeps them whole)
PROMPT_CHARS = 600


@dataclass(frozen=True)
class Sampling:
    """The teacher's decoding settings (paper: temperature 1)."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 200

    def params(self, temperature: float | None = None) -> SamplingParams:
        """As the teacher contract's SamplingParams (``temperature`` overrides, e.g. Prompt2Model's)."""
        return SamplingParams(max_new_tokens=self.max_new_tokens,
                              temperature=self.temperature if temperature is None else temperature, top_p=self.top_p)


def fields_of(task: TaskSpec, row: dict) -> dict[str, Any]:
    """The columns of ``row`` the teacher writes (what prompts and lineage keep of a row)."""
    keep = {column: row[column] for column in task.columns if column in row}
    return {"id": row.get("id"), **keep}


def render(task: TaskSpec, row: dict) -> str:
    """``row`` in the sample format, long fields cut to :data:`PROMPT_CHARS`."""
    short = {c: (v[:PROMPT_CHARS] if isinstance(v, str) and c != "answer" else v) for c, v in row.items()}
    return task.render(short)


def train_request(task: TaskSpec, examples: list[dict], feedback: list[dict], sampling: Sampling, seed: int,
                  index: int, step: str = "train", earlier: list[dict] | None = None, label: int | None = None,
                  temperature: float | None = None) -> Request:
    """One training-sample request: definition, real examples, feedback examples, (earlier samples)."""
    parts = [task.definition + "\n", prompts.EXAMPLES.format(examples=_numbered(task, examples))]
    if earlier:
        parts.append(prompts.EARLIER.format(examples=_numbered(task, earlier, len(examples) + 1)))
    if feedback:
        parts.append(prompts.FEEDBACK.format(examples=_numbered(task, feedback, len(examples) + len(earlier or []) + 1)))
    clause = prompts.LABEL_CLAUSE.format(label=task.label_names[label]) if label is not None else ""
    parts.append(prompts.NEW_SAMPLE.format(label_clause=clause))
    return Request(prompt="".join(parts), sampling=sampling.params(temperature), sample_index=index, seed=seed,
                   constraint=formats.sample_format(task).name,
                   metadata={"gold": {"step": step, "task": task.name, "label": label,
                                      "examples": [fields_of(task, r) for r in examples],
                                      "feedback": [fields_of(task, r) for r in feedback],
                                      "earlier": [fields_of(task, r) for r in earlier or []]},
                             "fields": {"label": label} if label is not None else {},
                             **option_metadata(task.label_names, label)})


def ood_request(task: TaskSpec, examples: list[dict], batch: list[dict], sampling: Sampling, seed: int,
                index: int) -> Request:
    """One OOD validation request: definition, real examples, the current training batch, 'differ'."""
    prompt = (task.definition + "\n" + prompts.EXAMPLES.format(examples=_numbered(task, examples))
              + (prompts.BATCH.format(examples=_numbered(task, batch, len(examples) + 1)) if batch else "")
              + prompts.NEW_OOD)
    return Request(prompt=prompt, sampling=sampling.params(), sample_index=index, seed=seed,
                   constraint=formats.sample_format(task).name,
                   metadata={"gold": {"step": "ood", "task": task.name,
                                      "examples": [fields_of(task, r) for r in examples],
                                      "batch": [fields_of(task, r) for r in batch]}})


def answer_request(task: TaskSpec, examples: list[dict], row: dict, sampling: Sampling, seed: int,
                   index: int) -> Request:
    """The teacher answers one test item after the definition and the real examples (few-shot baseline)."""
    tag, column = task.fields[-1]
    shown = {c: v for c, v in row.items() if c != column}
    item = "\n".join(line for line in render(task, {**shown, column: row.get(column, "")}).splitlines()
                     if not line.startswith(f"[{tag}]"))
    what = "label" if task.is_classification else tag
    prompt = task.definition + "\n" + prompts.FEWSHOT.format(
        examples=prompts.EXAMPLES.format(examples=_numbered(task, examples)), what=what, sample=item)
    return Request(prompt=prompt, sampling=sampling.params(0.0), sample_index=index, seed=seed,
                   constraint=formats.answer_format(task).name,
                   metadata={"gold": {"step": "answer", "task": task.name, "item": fields_of(task, shown),
                                      "examples": [fields_of(task, r) for r in examples]}})


def _numbered(task: TaskSpec, rows: list[dict], start: int = 1) -> str:
    return prompts.numbered([render(task, r) for r in rows], start)


def sample_parser(task: TaskSpec):
    """Teacher text -> the sample's columns, or a rejection (missing tag, too short, bad label, copy ...)."""
    fmt = formats.sample_format(task)
    columns = dict(task.fields)

    def parse(text: str, request: Request | None = None) -> Parsed:
        parsed = fmt.parse(text)
        if not parsed.ok:
            return parsed
        values = {columns[tag]: value for tag, value in parsed.value.items() if tag in columns}
        if task.is_classification:
            values["label"] = task.label_names.index(values["label"])
        elif task.kind == "qa":
            if values["answer"].strip().lower() not in values["context"].lower():
                return Parsed.reject("answer not in context")
            values["answers"] = [values["answer"]]
        elif task.kind == "math":
            values["answer"] = number_text(values["answer"])
        if request is not None and _copies(task, values, request.metadata.get("gold") or {}):
            return Parsed.reject("copied an example")
        return Parsed(True, values)

    return parse


def _copies(task: TaskSpec, values: dict, info: dict) -> bool:
    main = [c for c in task.columns if c not in ("label", "answer", "formulation")]
    shown = [*info.get("examples", []), *info.get("feedback", []), *info.get("batch", [])]
    return any(all(str(r.get(c, "")).strip().lower() == str(values[c]).strip().lower() for c in main) for r in shown)


def answer_parser(task: TaskSpec):
    """Teacher text -> a prediction in the student's terms (label id, answer text, number text)."""
    fmt = formats.answer_format(task)
    tag = task.fields[-1][0]

    def parse(text: str, request: Request | None = None) -> Parsed:
        parsed = fmt.parse(text)
        if parsed.ok:
            value = parsed.value[tag]
        elif task.is_classification:  # an unconstrained teacher may answer in prose: find the label word
            found = parse_label(text, task.label_names)
            if not found.ok:
                return found
            value = found.value
        else:
            return parsed
        if task.is_classification:
            return Parsed(True, task.label_names.index(value))
        return Parsed(True, number_text(value) if task.kind == "math" else str(value).strip())

    return parse
