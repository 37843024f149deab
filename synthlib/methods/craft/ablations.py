"""CRAFT's ablations, one function per notebook (``notebooks/craft__<name>.ipynb``).

* :func:`fewshot_count`: CRAFT started from 8 or from 32 few-shots (paper Table 2);
* :func:`fewshot_source`: human-written few-shot samples or samples the teacher wrote from the same
  few-shot texts (paper Figure 4, its "Synth" variant also lets the model write the texts);
* :func:`scaling`: XS -> the largest size, one student per seed, mean and spread (paper Figure 3);
* :func:`versus_instruct`: CRAFT, Self-Instruct and Evol-Instruct at equal sizes (paper section 5.4).

Each returns an :class:`AblationResult`. The teacher's cache and the corpus store are shared, so
variants asking the same prompts (the 8-shot run inside the 32-shot one, say) cost nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import ConfigError, option
from synthlib.methods.craft import PAPER, PAPER_FEWSHOTS, CraftConfig
from synthlib.methods.craft.method import filter_table, materials, run_tasks


@dataclass
class CraftFewshotCountConfig(CraftConfig):
    """CRAFT from 8 vs 32 few-shots (Table 2)."""

    name = "craft__fewshots"

    fewshot_counts: list[int] = option([8, 32], "Few-shot counts compared (paper: 8 and 32).")

    def validate(self) -> None:
        """Counts between 3 and 32."""
        super().validate()
        if not self.fewshot_counts or min(self.fewshot_counts) < 3 or max(self.fewshot_counts) > 32:
            raise ConfigError("fewshot_counts must be a non-empty list of counts in 3..32")


@dataclass
class CraftFewshotSourceConfig(CraftConfig):
    """Human-written vs teacher-written few-shot samples (Figure 4)."""

    name = "craft__fewshot_source"

    sources: list[str] = option(["human", "teacher"], "Few-shot sources compared: human, teacher.")

    def validate(self) -> None:
        """Known sources."""
        super().validate()
        if not self.sources or any(s not in ("human", "teacher") for s in self.sources):
            raise ConfigError("sources must list human and/or teacher")


@dataclass
class CraftScalingConfig(CraftConfig):
    """XS -> XL with several student seeds (Figure 3)."""

    name = "craft__scaling"

    seeds: list[int] = option([0, 1, 2], "Student seeds per size (the paper: three runs).")


@dataclass
class CraftVersusInstructConfig(CraftConfig):
    """CRAFT vs Self-Instruct and Evol-Instruct at equal sizes (section 5.4)."""

    name = "craft__versus_instruct"


@dataclass
class AblationResult:
    """An ablation's table (and the paper's numbers beside it where it has them)."""

    table: Any
    paper: Any = None
    filters: Any = None
    stand_in: bool = True
    notes: list[str] = field(default_factory=list)


def _variants(config: CraftConfig, changes: list[tuple[str, dict]], run_dir: Any, progress: Callable,
              seeds: list[int] | None = None) -> AblationResult:
    import pandas as pd

    from synthlib.models import is_stand_in

    kit = materials(config, run_dir, progress)
    rows, filters, notes = [], [], []
    for tag, change in changes:
        variant = dataclasses.replace(config, **change)
        scores, _, data = run_tasks(variant, kit, progress, seeds=seeds, tag=tag, run_dir=run_dir)
        rows += scores
        filters.append(filter_table(data).assign(variant=tag))
        notes += [f"{tag}: {n}" for item in data.values() for n in item.notes]
    result = AblationResult(table=pd.DataFrame(rows), filters=pd.concat(filters, ignore_index=True),
                            stand_in=is_stand_in(config.teacher) or is_stand_in(config.student), notes=notes)
    if run_dir is not None:
        run_dir.save_table(result.table, "scores")
        run_dir.save_table(result.filters, "filters")
        run_dir.save_results({"scores": result.table.to_dict(orient="records"), "notes": notes})
    return result


def fewshot_count(config: CraftFewshotCountConfig, run_dir: Any = None,
                  progress: Callable[[str], None] = print) -> AblationResult:
    """CRAFT (and the few-shots alone) started from each few-shot count."""
    import pandas as pd

    base = dataclasses.replace(config, methods=["craft", "fewshots"])
    result = _variants(base, [(f"{n} few-shots", {"n_fewshots": n}) for n in config.fewshot_counts], run_dir,
                       progress)
    result.paper = pd.DataFrame([{"task": t, "few-shots": n, "paper CRAFT-XL": v}
                                 for n, values in PAPER_FEWSHOTS.items() for t, v in values.items()
                                 if t in config.tasks])
    return result


def fewshot_source(config: CraftFewshotSourceConfig, run_dir: Any = None,
                   progress: Callable[[str], None] = print) -> AblationResult:
    """CRAFT from human-written and from teacher-written few-shot samples."""
    base = dataclasses.replace(config, methods=["craft", "fewshots"])
    return _variants(base, [(s, {"fewshot_source": s}) for s in config.sources], run_dir, progress)


def scaling(config: CraftScalingConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> AblationResult:
    """One CRAFT pool, students on each size's prefix, one per seed; mean and standard deviation."""
    base = dataclasses.replace(config, methods=["craft", "fewshots"])
    result = _variants(base, [("craft", {})], run_dir, progress, seeds=list(config.seeds))
    result.table["size"] = result.table["size"].astype(str)
    summary = (result.table.groupby(["task", "size"], sort=False)
               .agg(rows=("rows", "first"), mean=("score", "mean"), std=("score", "std"), seeds=("seed", "count"),
                    train_seconds=("train_seconds", "sum")).reset_index())
    summary["paper"] = [PAPER.get(s, {}).get(t) for t, s in zip(summary["task"], summary["size"], strict=True)]
    result.paper = summary
    return result


def versus_instruct(config: CraftVersusInstructConfig, run_dir: Any = None,
                    progress: Callable[[str], None] = print) -> AblationResult:
    """CRAFT, Self-Instruct and Evol-Instruct from the same few-shots at equal sizes."""
    base = dataclasses.replace(config, methods=["craft", "self_instruct", "evol_instruct", "fewshots"])
    return _variants(base, [("equal sizes", {})], run_dir, progress)


__all__ = ["AblationResult", "CraftFewshotCountConfig", "CraftFewshotSourceConfig", "CraftScalingConfig",
           "CraftVersusInstructConfig", "fewshot_count", "fewshot_source", "scaling", "versus_instruct"]
