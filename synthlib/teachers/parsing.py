"""Structured output: JSON objects, tagged fields, label words; bad output is a counted rejection.

Every parser returns a :class:`Parsed` (``ok``, ``value``, ``reason``) and never raises: a teacher
that writes garbage costs a sample, not a run. :func:`parse_all` applies a parser to many texts
and returns the kept values with a :class:`ParseReport` that counts each rejection reason (the
tables the papers print).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Parsed:
    """The outcome of parsing one output: a value, or the reason it was rejected."""

    ok: bool
    value: Any = None
    reason: str | None = None

    @classmethod
    def reject(cls, reason: str) -> Parsed:
        """A rejection with its reason (short, stable text: it is counted)."""
        return cls(False, None, reason)


@dataclass
class ParseReport:
    """How many outputs parsed and why the others were rejected."""

    total: int = 0
    kept: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def parse_rate(self) -> float:
        """Share of outputs that parsed (0 when there were none)."""
        return self.kept / self.total if self.total else 0.0

    def add(self, parsed: Parsed) -> None:
        """Count one outcome."""
        self.total += 1
        if parsed.ok:
            self.kept += 1
        else:
            self.reasons[parsed.reason or "unknown"] += 1

    def to_dict(self) -> dict[str, Any]:
        """Plain data: totals, parse rate and reasons, most common first."""
        return {"total": self.total, "kept": self.kept, "parse_rate": self.parse_rate,
                "reasons": dict(self.reasons.most_common())}


def parse_all(texts: Iterable[str], parser: Callable[[str], Parsed]) -> tuple[list[Any], list[Parsed], ParseReport]:
    """Parse every text; return kept values, every outcome (aligned with ``texts``) and the report."""
    outcomes, report = [], ParseReport()
    for text in texts:
        outcome = safe_parse(parser, text)
        report.add(outcome)
        outcomes.append(outcome)
    return [o.value for o in outcomes if o.ok], outcomes, report


def safe_parse(parser: Callable[[str], Parsed], text: Any) -> Parsed:
    """Run ``parser``; a non-string input or a parser bug becomes a rejection, not an exception."""
    if not isinstance(text, str):
        return Parsed.reject("not text")
    if not text.strip():
        return Parsed.reject("empty output")
    try:
        return parser(text)
    except Exception as err:  # a parser bug must not kill a long generation run
        return Parsed.reject(f"parser error: {type(err).__name__}")


# -- JSON ------------------------------------------------------------------------------------------

def extract_json(text: str, schema: dict[str, Any] | None = None) -> Parsed:
    """The first JSON object in ``text`` (code fences and chatter around it are fine), validated
    against a JSON Schema when given."""
    candidate = _first_object(text)
    if candidate is None:
        return Parsed.reject("no JSON object")
    try:
        value = json.loads(candidate)
    except ValueError:
        return Parsed.reject("invalid JSON")
    if schema is not None:
        import jsonschema

        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))
        if errors:
            return Parsed.reject(_schema_reason(errors[0]))
    return Parsed(True, value)


def _first_object(text: str) -> str | None:
    """The first balanced ``{...}`` span, respecting strings and escapes; an unclosed one is
    returned whole, so that ``json.loads`` reports it as invalid."""
    start = text.find("{")
    if start == -1:
        return None
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        char = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return text[start:]


def _schema_reason(error) -> str:
    where = ".".join(str(p) for p in error.path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"missing key '{missing}'"
    if error.validator == "enum":
        return f"bad value for '{where}'"
    if error.validator in ("minLength", "minItems", "maxItems"):
        return f"wrong length of '{where}'"
    return f"schema: {error.validator} at '{where or '$'}'"


# -- tagged formats ----------------------------------------------------------------------------

def parse_tagged(text: str, tags: Sequence[str], optional: Sequence[str] = ()) -> Parsed:
    """Fields written as ``[tag] content`` (e.g. ``[keywords] ... [summary] ...``, ``[q1] ... [a1] ...``).

    Content runs to the next known tag or the end; tags are case-insensitive. Every tag in
    ``tags`` must appear, with non-empty content, exactly once.
    """
    known = list(tags) + list(optional)
    pattern = re.compile(r"\[(" + "|".join(re.escape(t) for t in known) + r")\]", re.IGNORECASE)
    matches = list(pattern.finditer(text))
    values: dict[str, str] = {}
    for index, match in enumerate(matches):
        tag = match.group(1).lower()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        if tag in values:
            return Parsed.reject(f"repeated [{tag}]")
        values[tag] = text[match.end():end].strip()
    for tag in tags:
        if tag.lower() not in values:
            return Parsed.reject(f"missing [{tag}]")
        if not values[tag.lower()]:
            return Parsed.reject(f"empty [{tag}]")
    return Parsed(True, values)


# -- label words --------------------------------------------------------------------------------

def parse_label(text: str, labels: Sequence[str], synonyms: dict[str, str] | None = None) -> Parsed:
    """The label word ``text`` names: the earliest whole-word match of a label (or a synonym).

    Labels are matched case-insensitively on word boundaries, longest first, so that
    ``not_entailment`` is not read as ``entailment``. Two different labels at the same earliest
    position are ambiguous and rejected.
    """
    words = {label.lower(): label for label in labels}
    words.update({k.lower(): v for k, v in (synonyms or {}).items()})
    hits: list[tuple[int, str]] = []
    lowered = text.lower()
    taken: list[range] = []
    for word in sorted(words, key=len, reverse=True):
        for match in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", lowered):
            if not any(match.start() in span for span in taken):
                hits.append((match.start(), words[word]))
                taken.append(range(match.start(), match.end()))
    if not hits:
        return Parsed.reject("no label word")
    hits.sort()
    first = hits[0][0]
    found = {label for position, label in hits if position == first}
    if len(found) > 1:
        return Parsed.reject("ambiguous label")
    return Parsed(True, hits[0][1])


def parse_number(text: str) -> Parsed:
    """The last number in ``text`` (commas as thousands separators allowed), as int or float."""
    matches = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    if not matches:
        return Parsed.reject("no number")
    raw = matches[-1].replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return Parsed.reject("no number")
    return Parsed(True, int(value) if value.is_integer() and "." not in raw else value)
