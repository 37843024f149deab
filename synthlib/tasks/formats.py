"""The output formats the five methods ask a teacher for, in one small registry.

An :class:`OutputFormat` is a sequence of :class:`Segment` s: literal text (tags, JSON
punctuation) and fields (free text, a choice among options, a number, a list item). The same
segments drive three things, so they cannot drift apart:

* :meth:`OutputFormat.render` writes a target from field values (the worked examples a base
  model is shown, few-shot examples),
* :meth:`OutputFormat.parse` reads a teacher's output back into values or a counted rejection,
* constrained decoding (``synthlib.teachers.constrained``) forces the literals and generates only
  the fields.

Each format also has an instruction ``template`` (what a method sends) with ``{placeholders}``.

=================  ============  ===========================================================
format             used by       output
=================  ============  ===========================================================
keywords_summary   captransfer   ``[keywords] a, b, c, d, e`` then ``[summary] ...`` that holds all five
summary_qa         captransfer   ``[summary] ...`` then ``[q1] ... [a1] yes|no`` ... ``[a5]``
craft_qa           craft         ``{"question": ..., "options": ["A. Yes", "B. No"], "answer": "A."}``
sentiment          s3            ``[text] ...`` then ``[label] positive|negative``
nli                s3, gold      ``[hypothesis] ...`` then ``[label] entailment|not_entailment``
nli_pair           s3 (ZeroGen)  ``[premise] ...``, ``[hypothesis] ...``, then ``[label] entailment|not_entailment``
math_qa            gold, softsrv ``[question] ...`` then ``[answer] <number>``
question           softsrv       ``[question] ...``
extractive_qa      s3 (ZeroGen)  ``[context] ...``, ``[question] ...``, then ``[answer] <a span of the context>``
=================  ============  ===========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from synthlib.metrics.text import missing_keywords
from synthlib.teachers.parsing import Parsed, extract_json, is_placeholder, parse_number, parse_tagged

TAG_STOPS = ("\n", "[")
_GARBLED = re.compile("[\ufffd\x00-\x08\x0b-\x1f\x7f]")  # broken UTF-8 or control characters
JSON_STOPS = ('"', "\\", "\n")


@dataclass(frozen=True)
class Segment:
    """One piece of a format: ``literal`` text, or a field of kind ``text``, ``choice``, ``number``, ``span``.

    A field with ``item`` set is the item-th element of a list field named ``name``. A ``span`` field
    is text copied from the earlier field named ``source`` (an extractive answer from its context).
    """

    kind: str
    text: str = ""  # literal text
    name: str = ""  # field name
    options: tuple[str, ...] = ()
    stops: tuple[str, ...] = TAG_STOPS
    max_tokens: int = 48
    item: int | None = None
    source: str = ""  # span fields: the field they are copied from


@dataclass(frozen=True)
class OutputFormat:
    """A teacher output format (see the module table)."""

    name: str
    description: str
    used_by: tuple[str, ...]
    style: str  # "tagged" or "json"
    segments: tuple[Segment, ...]
    template: str
    min_words: dict[str, int] = field(default_factory=dict)  # text fields: fewer words is a rejection
    distinct: tuple[str, ...] = ()  # text fields that must all differ (five questions, not one asked twice)
    contains: dict[str, str] = field(default_factory=dict)  # text field -> list field whose items it must hold

    @property
    def fields(self) -> list[str]:
        """Field names in order (a list field once)."""
        names: list[str] = []
        for segment in self.segments:
            if segment.kind != "literal" and segment.name not in names:
                names.append(segment.name)
        return names

    def prompt(self, **inputs: Any) -> str:
        """The instruction for one sample, filled with ``inputs`` (e.g. ``article=...``)."""
        return self.template.format(**inputs)

    def render(self, values: dict[str, Any]) -> str:
        """The target text for ``values`` (lists for list fields), exactly as a teacher should write it."""
        parts = []
        for segment in self.segments:
            if segment.kind == "literal":
                parts.append(segment.text)
            elif segment.item is not None:
                parts.append(str(values[segment.name][segment.item]))
            else:
                parts.append(str(values[segment.name]))
        return "".join(parts)

    def parse(self, text: str) -> Parsed:
        """Values from a teacher output, or a rejection with its reason (never an exception)."""
        parsed = self._parse_json(text) if self.style == "json" else self._parse_tagged(text)
        if not parsed.ok:
            return parsed
        for name, value in parsed.value.items():
            if isinstance(value, str) and is_placeholder(value):  # e.g. {"question": "..."}
                return Parsed.reject(f"template debris [{name}]")
            if _GARBLED.search(" ".join(map(str, value)) if isinstance(value, list) else str(value)):
                return Parsed.reject(f"garbled text in [{name}]")
        for name, minimum in self.min_words.items():
            if len(str(parsed.value[name]).split()) < minimum:
                return Parsed.reject(f"too short [{name}]")
        for segment in self.segments:
            if segment.kind == "span" and not is_span(parsed.value[segment.name], parsed.value[segment.source]):
                return Parsed.reject(f"[{segment.name}] not in [{segment.source}]")
        for name, items in self.contains.items():
            if missing_keywords(parsed.value[name], parsed.value[items]):
                return Parsed.reject(f"[{name}] misses a [{items}] item")
        seen: set[str] = set()
        for name in self.distinct:
            if text_key(parsed.value[name]) in seen:
                return Parsed.reject(f"repeated [{name}]")
            seen.add(text_key(parsed.value[name]))
        return parsed

    def _parse_tagged(self, text: str) -> Parsed:
        parsed = parse_tagged(text, self.fields)
        if not parsed.ok:
            return parsed
        values: dict[str, Any] = {}
        for name in self.fields:
            segment = next(s for s in self.segments if s.name == name)
            raw = parsed.value[name]
            if segment.item is not None:
                items = [item.strip() for item in raw.split(",")]
                count = sum(1 for s in self.segments if s.name == name)
                if len(items) != count or not all(items):
                    return Parsed.reject(f"need {count} [{name}]")
                if len({item.lower() for item in items}) != count:
                    return Parsed.reject(f"repeated item in [{name}]")
                values[name] = items
            elif segment.kind == "choice":
                word = raw.split()[0].strip(".,;:!").lower() if raw.split() else ""
                if word not in segment.options:
                    return Parsed.reject(f"bad label in [{name}]")
                values[name] = word
            elif segment.kind == "number":
                number = parse_number(raw)
                if not number.ok:
                    return Parsed.reject(f"no number in [{name}]")
                values[name] = number.value
            else:
                values[name] = raw
        return Parsed(True, values)

    def _parse_json(self, text: str) -> Parsed:
        return extract_json(text, schema=_json_schema(self))


def _json_schema(fmt: OutputFormat) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for segment in fmt.segments:
        if segment.kind in ("text", "span"):
            properties[segment.name] = {"type": "string", "minLength": 1}
        elif segment.kind == "choice":
            properties[segment.name] = {"enum": list(segment.options)}
    properties["options"] = {"type": "array", "items": {"type": "string"}, "minItems": 2}
    return {"type": "object", "required": sorted(properties), "properties": properties}


def _tagged(fields: list[tuple[str, Segment]]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for index, (tag, body) in enumerate(fields):
        segments.append(Segment("literal", text=("\n" if index else "") + f"[{tag}] "))
        segments.append(body)
    return tuple(segments)


def _text(name: str, max_tokens: int = 48, stops: tuple[str, ...] = TAG_STOPS) -> Segment:
    return Segment("text", name=name, max_tokens=max_tokens, stops=stops)


def text_key(text: Any) -> str:
    """What two field values are compared by to count as the same: lower-cased, single-spaced."""
    return " ".join(str(text).split()).lower()


def is_span(answer: str, context: str) -> bool:
    """True when ``answer`` (stripped, not empty) occurs in ``context``, ignoring case and runs of whitespace."""
    needle = " ".join(str(answer).split()).casefold()
    return bool(needle) and needle in " ".join(str(context).split()).casefold()


def _choice(name: str, *options: str) -> Segment:
    return Segment("choice", name=name, options=options)


def _keywords() -> tuple[Segment, ...]:
    items: list[Segment] = [Segment("literal", text="[keywords] ")]
    for k in range(5):
        if k:
            items.append(Segment("literal", text=", "))
        items.append(Segment("text", name="keywords", item=k, max_tokens=6, stops=(",", "\n", "[")))
    return tuple(items)


_QA = [(f"{kind}{k}", _text(f"q{k}", 32) if kind == "q" else _choice(f"a{k}", "yes", "no"))
       for k in range(1, 6) for kind in ("q", "a")]

FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat(
        "keywords_summary", "five keywords a good summary must contain, then a summary containing them",
        ("captransfer",), "tagged",
        _keywords() + (Segment("literal", text="\n[summary] "), _text("summary", 96)),
        "Write 5 keywords that a good summary of the article must contain, then a summary of about 3 sentences "
        "that contains them.\nFormat: [keywords] k1, k2, k3, k4, k5 [summary] text\nArticle: {article}\nAnswer:\n",
        {"summary": 5}, contains={"summary": "keywords"}),
    OutputFormat(
        "summary_qa", "a summary and five yes/no questions answerable from it, with answers",
        ("captransfer",), "tagged", _tagged([("summary", _text("summary", 96))] + _QA),
        "Summarize the article, then write 5 yes/no questions answerable from the summary alone, each with its "
        "answer.\nFormat: [summary] ... [q1] ... [a1] yes/no ... [q5] ... [a5] yes/no\nArticle: {article}\nAnswer:\n",
        {"summary": 5, **{f"q{k}": 3 for k in range(1, 6)}}, distinct=tuple(f"q{k}" for k in range(1, 6))),
    OutputFormat(
        "craft_qa", "a yes/no question-answer sample in CRAFT's JSON layout, rewritten from a document",
        ("craft",), "json",
        (Segment("literal", text='{"question": "'), _text("question", 40, JSON_STOPS),
         Segment("literal", text='", "options": ["A. Yes", "B. No"], "answer": "'), _choice("answer", "A.", "B."),
         Segment("literal", text='"}')),
        "Rewrite the document into a yes/no question-answer sample as JSON with keys question, options, answer."
        "\nDocument: {document}\nAnswer:\n",
        {"question": 3}),
    OutputFormat(
        "sentiment", "a movie-review sentence with the requested sentiment and its label",
        ("s3",), "tagged", _tagged([("text", _text("text", 48)), ("label", _choice("label", "positive", "negative"))]),
        "Write a {label} movie review sentence and label it.\nFormat: [text] ... [label] positive/negative\nAnswer:\n",
        {"text": 3}),
    OutputFormat(
        "nli", "a hypothesis for a premise with the requested relation, and its label",
        ("s3", "gold"), "tagged",
        _tagged([("hypothesis", _text("hypothesis", 40)),
                 ("label", _choice("label", "entailment", "not_entailment"))]),
        "Given the premise, write a hypothesis whose relation to it is {label}, and label it.\n"
        "Format: [hypothesis] ... [label] entailment/not_entailment\nPremise: {premise}\nAnswer:\n",
        {"hypothesis": 3}),
    OutputFormat(
        "nli_pair", "a whole entailment pair, premise and hypothesis, with the requested relation and its label",
        ("s3",), "tagged",
        _tagged([("premise", _text("premise", 60)), ("hypothesis", _text("hypothesis", 40)),
                 ("label", _choice("label", "entailment", "not_entailment"))]),
        "Write a premise and a hypothesis whose relation to it is {label}, and label it.\n"
        "Format: [premise] ... [hypothesis] ... [label] entailment/not_entailment\nAnswer:\n",
        {"premise": 5, "hypothesis": 3}),
    OutputFormat(
        "math_qa", "a grade-school math word problem like an example, with its numeric answer",
        ("gold", "softsrv"), "tagged",
        _tagged([("question", _text("question", 80)), ("answer", Segment("number", name="answer", max_tokens=6))]),
        "Write a new grade-school math word problem like the example, and its numeric answer.\n"
        "Format: [question] ... [answer] number\nExample: {example}\nAnswer:\n",
        {"question": 8}),
    OutputFormat(
        "question", "a new question in the style of an example (MBPP tasks, CSQA2 yes/no questions)",
        ("softsrv",), "tagged", _tagged([("question", _text("question", 48))]),
        "Write a new question like the example.\nFormat: [question] ...\nExample: {example}\nAnswer:\n",
        {"question": 4}),
    OutputFormat(
        "extractive_qa", "a paragraph, a question about it, and the answer copied from the paragraph",
        ("s3",), "tagged",
        _tagged([("context", _text("context", 110)), ("question", _text("question", 40)),
                 ("answer", Segment("span", name="answer", source="context", max_tokens=8))]),
        "Write a short encyclopedia paragraph, a question about it, and its answer: a few words copied from "
        "the paragraph.\nFormat: [context] ... [question] ... [answer] ...\nAnswer:\n",
        {"context": 25, "question": 4}),
)}


#: formats a method registers at import time (``register_format``). They live outside ``FORMATS`` on
#: purpose: ``FORMATS`` is the set the Teachers chapter measures and every method shares, while a
#: registered format serves one adapter (the head-to-head's SoftSRV labels). Constrained decoding
#: and parsing find them through :func:`get_format` all the same.
EXTRA_FORMATS: dict[str, OutputFormat] = {}


def register_format(fmt: OutputFormat) -> OutputFormat:
    """Make ``fmt`` known to :func:`get_format` (constrained decoding); re-registering the same format is a no-op."""
    existing = FORMATS.get(fmt.name) or EXTRA_FORMATS.get(fmt.name)
    if existing is not None and existing != fmt:
        raise ValueError(f"output format '{fmt.name}' is already registered with different segments")
    EXTRA_FORMATS[fmt.name] = fmt
    return fmt


def get_format(name: str) -> OutputFormat:
    """The format called ``name``; a clear error lists the known ones."""
    if name in FORMATS:
        return FORMATS[name]
    if name in EXTRA_FORMATS:
        return EXTRA_FORMATS[name]
    raise KeyError(f"unknown output format '{name}'; known formats: {', '.join([*FORMATS, *EXTRA_FORMATS])}")
