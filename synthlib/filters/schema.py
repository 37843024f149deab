"""Format/schema checks of teacher outputs: JSON that parses, has the keys, types and labels asked for."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from synthlib.filters.base import FilterReport, Sample

_TYPES = {"str": str, "int": int, "float": (int, float), "list": list, "dict": dict, "bool": bool}
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_json_object(text: str) -> dict | None:
    """The JSON object in ``text``: the whole text, else the outermost ``{...}`` (fences, chatter around)."""
    for candidate in (text, *(m.group(0) for m in [_OBJECT.search(text)] if m)):
        try:
            value = json.loads(candidate)
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    return None


@dataclass
class SchemaFilter:
    """Parse each sample's ``column`` as a JSON object and check it against ``required`` and ``allowed``.

    ``required`` maps key -> type name (str, int, float, list, dict, bool); ``allowed`` maps key ->
    the permitted values (e.g. ``{"answer": ["A", "B", "C", "D"]}``). Kept samples are dicts with
    the parsed keys merged in. Reasons: ``bad_json``, ``missing_key``, ``bad_type``, ``bad_label``.
    """

    required: dict[str, str] = field(default_factory=dict)
    allowed: dict[str, list[Any]] = field(default_factory=dict)
    column: str | None = "output"
    name: str = "format"

    def __post_init__(self) -> None:
        unknown = {t for t in self.required.values() if t not in _TYPES}
        if unknown:
            raise ValueError(f"unknown type names {sorted(unknown)} in required; use {', '.join(_TYPES)}")

    def check(self, sample: Sample) -> tuple[dict | None, str | None]:
        """``(parsed sample, None)`` or ``(None, reason)``."""
        raw = sample if isinstance(sample, str) or self.column is None else sample.get(self.column, "")
        obj = raw if isinstance(raw, dict) else parse_json_object(str(raw))
        if obj is None:
            return None, "bad_json"
        if any(key not in obj for key in self.required):
            return None, "missing_key"
        if any(not isinstance(obj[k], _TYPES[t]) or (t in ("int", "float") and isinstance(obj[k], bool))
               for k, t in self.required.items()):
            return None, "bad_type"
        if any(obj.get(k) not in values for k, values in self.allowed.items()):
            return None, "bad_label"
        base = {} if isinstance(sample, str) else dict(sample)
        return {**base, **obj}, None

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Keep the samples whose output passes every check."""
        kept, reasons = [], Counter()
        for sample in samples:
            parsed, reason = self.check(sample)
            if reason:
                reasons[reason] += 1
            else:
                kept.append(parsed)
        return kept, FilterReport(self.name, len(samples), len(kept), reasons)
