"""The filter contract, its report, and a pipeline that chains filters and merges their reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

Sample = Any  # a dict of fields, or a plain string


def sample_text(sample: Sample, fields: tuple[str, ...] | None) -> str:
    """The text a filter looks at: the sample itself (a string) or its ``fields`` joined by newlines."""
    if isinstance(sample, str):
        return sample
    if not fields:
        raise ValueError("samples are dicts: tell the filter which fields hold the text, e.g. fields=('text',)")
    return "\n".join(str(sample.get(name, "")) for name in fields)


@dataclass
class FilterReport:
    """What one filter did: samples in, samples kept, and a count per rejection reason."""

    filter: str
    n_in: int
    n_kept: int
    reasons: Counter = field(default_factory=Counter)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. candidate pairs checked by fuzzy dedup

    @property
    def n_rejected(self) -> int:
        """Samples this filter removed (always the sum of its reason counts)."""
        return self.n_in - self.n_kept

    def check(self) -> FilterReport:
        """Assert the reasons account for every rejected sample; return self."""
        if sum(self.reasons.values()) != self.n_rejected:
            raise AssertionError(f"{self.filter}: reasons {dict(self.reasons)} do not sum to {self.n_rejected}")
        return self


class Filter(Protocol):
    """A filter: ``apply(samples) -> (kept, report)``, keeping the input order."""

    name: str

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], FilterReport]:
        """Return the samples kept, in input order, and the report."""


@dataclass
class PipelineReport:
    """The reports of a pipeline's filters in order."""

    steps: list[FilterReport]

    @property
    def n_in(self) -> int:
        """Samples entering the pipeline."""
        return self.steps[0].n_in if self.steps else 0

    @property
    def n_kept(self) -> int:
        """Samples leaving it."""
        return self.steps[-1].n_kept if self.steps else 0

    def counts(self) -> Counter:
        """Rejections per reason over all steps."""
        total: Counter = Counter()
        for step in self.steps:
            total.update(step.reasons)
        return total

    def table(self):
        """A pandas DataFrame: one row per (filter, reason) with its count and share of the input."""
        import pandas as pd

        rows = [{"filter": s.filter, "reason": reason, "rejected": count,
                 "share_of_input": count / self.n_in if self.n_in else 0.0}
                for s in self.steps for reason, count in sorted(s.reasons.items()) if count]
        rows.append({"filter": "(kept)", "reason": "", "rejected": self.n_kept,
                     "share_of_input": self.n_kept / self.n_in if self.n_in else 0.0})
        return pd.DataFrame(rows)


@dataclass
class FilterPipeline:
    """Apply filters one after another; each sees what the previous one kept."""

    filters: list[Any]

    def apply(self, samples: list[Sample]) -> tuple[list[Sample], PipelineReport]:
        """Run every filter and return the survivors with the merged report."""
        reports = []
        for step in self.filters:
            samples, report = step.apply(samples)
            reports.append(report.check())
        return samples, PipelineReport(reports)
