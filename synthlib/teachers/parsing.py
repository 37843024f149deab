"""Structured output: JSON objects, tagged fields, label words; bad output is a counted rejection.

Every parser returns a :class:`Parsed` (``ok``, ``value``, ``reason``) and never raises: a teacher
that writes garbage costs a sample, not a run. :func:`parse_all` applies a parser to many texts
and returns the kept values with a :class:`ParseReport` that counts each rejection reason (the
tables the papers print).

Real teachers fail in a few recurring ways, each its own counted reason:

=======================  ====================================================================
reason                   what the teacher did
=======================  ====================================================================
``refusal``              declined ("I'm sorry, but I can't assist with that"), :func:`is_refusal`
``echoed prompt``        repeated the instruction or copied an input/example, :func:`echoes_prompt`
``off-format (no tags)`` answered without any of the format's tags
``template debris [t]``  filled a field with the template's placeholders only ("<the review>",
                         "[negative review] <"); placeholders next to real text are stripped
                         (:func:`strip_debris`) and the text is kept
=======================  ====================================================================
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


def parse_all(texts: Iterable[str], parser: Callable[[str], Parsed],
              prompts: Iterable[str | None] | None = None) -> tuple[list[Any], list[Parsed], ParseReport]:
    """Parse every text; return kept values, every outcome (aligned with ``texts``) and the report.

    ``prompts`` (aligned with ``texts``) enables the echoed-prompt check.
    """
    outcomes, report = [], ParseReport()
    texts = list(texts)
    prompts = list(prompts) if prompts is not None else [None] * len(texts)
    for text, prompt in zip(texts, prompts, strict=True):
        outcome = safe_parse(parser, text, prompt)
        report.add(outcome)
        outcomes.append(outcome)
    return [o.value for o in outcomes if o.ok], outcomes, report


def safe_parse(parser: Callable[[str], Parsed], text: Any, prompt: str | None = None) -> Parsed:
    """Run ``parser``; a non-string input or a parser bug becomes a rejection, not an exception.

    Refusals are rejected before parsing; with ``prompt`` (the instruction the teacher was given)
    an answer that echoes it is rejected too.
    """
    if not isinstance(text, str):
        return Parsed.reject("not text")
    if not strip_debris(text).strip():
        return Parsed.reject("empty output")
    if is_refusal(text):
        return Parsed.reject("refusal")
    if prompt and echoes_prompt(text, prompt):
        return Parsed.reject("echoed prompt")
    try:
        return parser(text)
    except Exception as err:  # a parser bug must not kill a long generation run
        return Parsed.reject(f"parser error: {type(err).__name__}")


# -- how real teachers fail --------------------------------------------------------------------

# declining the request: "I'm sorry, but I can't assist with that", "I cannot write ...", "As an AI ...".
# The verb must be about the request, so a negative review that says "Sorry, but I can't recommend it"
# or "I'm sorry I watched it" is not a refusal.
_CANT = r"(?:can(?:'|\u2019)?t|cannot|am unable to|(?:'|\u2019)m unable to|won(?:'|\u2019)?t|am not able to|will not)"
_REQUEST_VERB = r"(?:assist|help|comply|fulfil|fulfill|provide|create|generate|write|produce|complete|do that|do this)"
_REFUSAL = re.compile(
    rf"\bI(?:\s|(?=['\u2019]m)){_CANT}\s+(?:\w+\s+)?{_REQUEST_VERB}\b"
    r"|\bas an AI\b|\b(?:that|this) request\b", re.IGNORECASE)
REFUSAL_WINDOW = 160  # refusals open the answer; a phrase deep inside a long text is content


def is_refusal(text: str) -> bool:
    """True when the answer opens by declining the request (within its first characters)."""
    return bool(_REFUSAL.search(text[:REFUSAL_WINDOW]))


ECHO_MIN_WORDS = 6  # shorter overlaps (a title, a label phrase) are not an echo


def echoes_prompt(text: str, prompt: str) -> bool:
    """True when the answer repeats a line of the instruction, or a piece of it (>= 6 words) is copied
    verbatim from the prompt (an input, a few-shot example, the example to extrapolate)."""
    answer = _normalise(text)
    prompt_norm = _normalise(prompt)
    for piece in _pieces(text):
        if piece in prompt_norm:
            return True
    return any(piece in answer for piece in _pieces(prompt))


def _pieces(text: str) -> list[str]:
    """Normalised lines and tag-separated pieces with at least ``ECHO_MIN_WORDS`` words."""
    parts = re.split(r"\n|\[[^\[\]\n]{1,30}\]", strip_debris(text))
    pieces = [_normalise(part) for part in parts]
    return [p for p in pieces if len(p.split()) >= ECHO_MIN_WORDS]


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


# placeholders a template carries ("<the review>", "<end>", "</s>", "<|im_end|>", "<end_of_turn>")
_PLACEHOLDER = re.compile(r"<\|[^|<>\n]{0,30}\|>|<\s*/?\s*[A-Za-z_][\w ]{0,30}>")
_STRAY = re.compile(r"^[\s<>|]+|[\s<>|]+$")  # a lone "<" or ">" left at either end
PLACEHOLDER_WORDS = {"...", "\u2026", "the review", "review", "text", "the text", "sentence", "hypothesis", "premise",
                     "question", "answer", "the question", "the answer", "summary", "paragraph", "span", "label",
                     "positive/negative", "entailment/not_entailment", "yes/no", "number"}


def strip_debris(value: str) -> str:
    """``value`` without template placeholders and stray angle brackets; other text is untouched."""
    cleaned = _PLACEHOLDER.sub(" ", value)
    cleaned = _STRAY.sub("", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip()


def is_placeholder(value: str) -> bool:
    """True when a field holds only a template's placeholder word ("...", "the review", "yes/no")."""
    return value.strip().strip(".:").strip().lower() in PLACEHOLDER_WORDS or value.strip() in ("...", "\u2026")


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
    if not matches:
        return Parsed.reject("off-format (no tags)")
    values: dict[str, str] = {}
    debris: set[str] = set()
    for index, match in enumerate(matches):
        tag = match.group(1).lower()
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        if tag in values:
            return Parsed.reject(f"repeated [{tag}]")
        raw = text[match.end():end].strip()
        # a bracketed phrase that is not a tag of this format ("[negative review]") is template debris too
        values[tag] = strip_debris(re.sub(r"\[[^\[\]\n]{1,30}\]", " ", raw))
        if raw and (not values[tag] or is_placeholder(values[tag])):
            debris.add(tag)
    for tag in tags:
        if tag.lower() not in values:
            return Parsed.reject(f"missing [{tag}]")
        if tag.lower() in debris:
            return Parsed.reject(f"template debris [{tag}]")
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
