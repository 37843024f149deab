"""Exact duplicates and length limits."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from synthlib.filters.base import FilterReport, Sample, sample_text


@dataclass
class ExactDedup:
    """Drop a sample whose text (whitespace collapsed) equals an earlier sample's; the first is kept."""

    fields: tuple[str, ...] | None = ("text",)
    name: str = "exact_dedup"

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Keep the first of each group of identical texts."""
        seen: set[bytes] = set()
        kept = []
        for sample in samples:
            key = hashlib.blake2b(" ".join(sample_text(sample, self.fields).split()).encode(), digest_size=16).digest()
            if key not in seen:
                seen.add(key)
                kept.append(sample)
        reasons = Counter({"exact_duplicate": len(samples) - len(kept)})
        return kept, FilterReport(self.name, len(samples), len(kept), +reasons)


@dataclass
class LengthFilter:
    """Keep samples whose word count (and character count) lie within the given bounds (inclusive)."""

    min_words: int = 0
    max_words: int | None = None
    min_chars: int = 0
    max_chars: int | None = None
    fields: tuple[str, ...] | None = ("text",)
    name: str = "length"

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Reject with ``too_short`` or ``too_long``."""
        kept, reasons = [], Counter()
        for sample in samples:
            text = sample_text(sample, self.fields)
            words, chars = len(text.split()), len(text)
            if words < self.min_words or chars < self.min_chars:
                reasons["too_short"] += 1
            elif (self.max_words is not None and words > self.max_words) or \
                    (self.max_chars is not None and chars > self.max_chars):
                reasons["too_long"] += 1
            else:
                kept.append(sample)
        return kept, FilterReport(self.name, len(samples), len(kept), reasons)
