"""Synthetic datasets as first-class outputs: a Hugging Face dataset + Parquet + data card per set.

Every method calls :func:`save_synthetic` once per synthetic set a student trains on::

    from synthlib.runs.datasets import DataCard, save_synthetic

    save_synthetic(run_dir, "rte-s3", rows, DataCard(method="s3", task="rte", teacher=..., ...))

which writes ``<run>/datasets/<name>/``:

    dataset_info.json, state.json, data-*.arrow   ``datasets.load_from_disk(<that folder>)``
    <name>.parquet                                 the same rows, for pandas / polars / DuckDB
    README.md                                      the data card: YAML metadata (as the Hub reads
                                                   it) and a readable summary

The card names the method, the teacher's and student's signatures, the prompt templates and one
rendered prompt, the sampling parameters, the filter report with counted rejection reasons, the
sizes, the licences of the source data and which columns hold each sample's lineage (round or
iteration, parent, teacher-call key). :func:`export` copies a saved set out of a run;
:func:`push_to_hub` uploads one for users with a token.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from synthlib.config import ConfigError

DATASETS_DIR = "datasets"
#: lineage roles every card names a column for
LINEAGE_ROLES = ("round", "parent", "teacher_call")
LICENCES_FILE = Path(__file__).resolve().parents[2] / "data" / "source_licences.yaml"


@dataclass
class DataCard:
    """What a synthetic set's card says about it (everything but the rows and their sizes)."""

    method: str  # the method that made the set, e.g. "s3"
    task: str  # the task it trains a student for
    teacher: dict[str, Any]  # the teacher's signature (TeacherSignature.to_dict())
    student: dict[str, Any]  # the student: model reference and training settings
    prompts: dict[str, Any]  # {"templates": {name: text}, "example": one rendered prompt}
    sampling: dict[str, Any]  # the teacher's decoding parameters
    filters: dict[str, Any]  # step -> {"total", "kept", "reasons": {reason: count}}
    lineage: dict[str, str]  # role (round, parent, teacher_call) -> column name
    sources: list[str] = field(default_factory=list)  # source datasets shown in prompts (licences)
    config: dict[str, Any] = field(default_factory=dict)  # the run's resolved config
    notes: str = ""  # anything a reader must know (stand-in teacher, not the paper's setting ...)


def source_licences(names: list[str]) -> dict[str, str]:
    """The licence line of each source dataset, from ``data/source_licences.yaml``."""
    known = yaml.safe_load(LICENCES_FILE.read_text()) if LICENCES_FILE.is_file() else {}
    return {name: known.get(name, "not recorded in data/source_licences.yaml") for name in names}


def dataset_dir(run_dir: Any, name: str) -> Path:
    """Where the set ``name`` of a run lives: ``<run>/datasets/<name>``."""
    return Path(getattr(run_dir, "path", run_dir)) / DATASETS_DIR / name


def save_synthetic(run_dir: Any, name: str, rows: list[dict], card: DataCard) -> Path:
    """Save ``rows`` (what the student trains on) as dataset ``name`` of ``run_dir`` with its card.

    ``run_dir`` is a :class:`synthlib.runs.RunDir` or a folder. Columns whose values mix types
    (or hold dicts) are stored as JSON text so Arrow can type them. Raises ConfigError, before
    writing anything, when the name is not a plain folder name or a lineage column is missing.
    Returns the dataset folder (written atomically: a rerun replaces it whole).
    """
    import datasets

    if not name or Path(name).name != name or name.startswith("."):
        raise ConfigError(f"dataset name {name!r} must be a plain folder name, e.g. 'rte-s3'")
    columns = _columns(rows)
    missing = {role: col for role, col in card.lineage.items() if col not in columns}
    absent_roles = [role for role in LINEAGE_ROLES if role not in card.lineage]
    if rows and (missing or absent_roles):
        raise ConfigError(f"dataset {name!r}: lineage columns {missing or absent_roles} are not in its rows "
                          f"(columns: {sorted(columns)}); every row needs round, parent and teacher-call key")
    target = dataset_dir(run_dir, name)
    staging = target.with_name(f".{name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    dataset = datasets.Dataset.from_dict(columns) if rows else datasets.Dataset.from_dict({})
    dataset.save_to_disk(str(staging))
    dataset.to_parquet(str(staging / f"{name}.parquet"))
    (staging / "README.md").write_text(card_text(name, dataset, card), encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)
    return target


def load_synthetic(path: str | os.PathLike):
    """The saved set at ``path`` (a ``datasets.Dataset``)."""
    import datasets

    return datasets.load_from_disk(str(path))


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """The YAML metadata of a saved set's README.md."""
    text = (Path(path) / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def saved_sets(run_dir: str | os.PathLike) -> list[Path]:
    """Every saved set of a run directory."""
    root = Path(run_dir) / DATASETS_DIR
    return sorted(p for p in root.iterdir() if (p / "README.md").is_file()) if root.is_dir() else []


def export(run_dir: str | os.PathLike, out: str | os.PathLike, name: str | None = None) -> Path:
    """Copy the set ``name`` (or the run's only set) out of ``run_dir`` into the new folder ``out``."""
    sets = saved_sets(run_dir)
    if not sets:
        raise ConfigError(f"{run_dir} holds no synthetic datasets (no {DATASETS_DIR}/<name>/README.md)")
    if name is None and len(sets) > 1:
        raise ConfigError(f"{run_dir} holds {len(sets)} datasets; name one: {', '.join(p.name for p in sets)}")
    source = next((p for p in sets if name in (None, p.name)), None)
    if source is None:
        raise ConfigError(f"no dataset {name!r} in {run_dir}; it holds {', '.join(p.name for p in sets)}")
    out = Path(out)
    if out.exists():
        raise ConfigError(f"{out} exists; choose a new folder to export into")
    shutil.copytree(source, out)
    return out


def push_to_hub(path: str | os.PathLike, repo_id: str, token: str | None = None, private: bool = True) -> str:
    """Upload a saved set (its Parquet file and card) to the Hub as dataset ``repo_id``; its URL.

    Needs a token (``token`` or ``HF_TOKEN``) with write access; private by default.
    """
    from huggingface_hub import HfApi

    path = Path(path)
    if not (path / "README.md").is_file():
        raise ConfigError(f"{path} is not a saved synthetic dataset (no README.md card)")
    token = token or os.environ.get("HF_TOKEN")
    if not token:
        raise ConfigError("push_to_hub needs a Hugging Face token: pass token=... or set HF_TOKEN")
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(folder_path=str(path), repo_id=repo_id, repo_type="dataset",
                      allow_patterns=["README.md", "*.parquet"], commit_message="synthlib: synthetic dataset")
    return f"https://huggingface.co/datasets/{repo_id}"


# -- the card ------------------------------------------------------------------------------------

def card_text(name: str, dataset: Any, card: DataCard) -> str:
    """README.md: Hub YAML metadata (with a ``synthlib`` block holding everything) and a summary."""
    rows = len(dataset)
    meta = {
        "pretty_name": f"{card.method} synthetic data for {card.task} ({name})",
        "tags": ["synthetic", "synthlib", card.method.split("/")[0]],
        "size_categories": [_size_category(rows)],
        "license": "other",
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": f"{name}.parquet"}]}],
        "synthlib": {
            "name": name, "method": card.method, "task": card.task, "rows": rows,
            "columns": list(dataset.column_names), "lineage_columns": card.lineage,
            "teacher": card.teacher, "student": card.student, "sampling": card.sampling,
            "prompts": card.prompts, "filters": card.filters,
            "source_licences": source_licences(card.sources), "config": card.config, "notes": card.notes,
        },
    }
    header = yaml.dump(_plain(meta), Dumper=_CardDumper, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{header}---\n\n{_summary(name, rows, card)}"


class _CardDumper(yaml.SafeDumper):
    """Multi-line strings (prompts) as YAML block scalars, readable in the card."""


_CardDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def _summary(name: str, rows: int, card: DataCard) -> str:
    teacher = card.teacher.get("model", "?")
    lines = [f"# {name}", "",
             f"{rows} synthetic training rows for **{card.task}**, written by the teacher `{teacher}` "
             f"(backend `{card.teacher.get('backend', '?')}`) with synthlib's **{card.method}**, "
             f"for the student `{card.student.get('model', '?')}`.", ""]
    if card.notes:
        lines += [f"**Note:** {card.notes}", ""]
    lines += ["## Filters and parsing", "", "| step | teacher outputs | kept | rejections |", "|---|---|---|---|"]
    for step, report in card.filters.items():
        reasons = ", ".join(f"{k} ({v})" for k, v in (report.get("reasons") or {}).items()) or "-"
        lines.append(f"| {step} | {report.get('total', '-')} | {report.get('kept', '-')} | {reasons} |")
    lines += ["", "## Lineage", "",
              ", ".join(f"{role}: `{column}`" for role, column in card.lineage.items())
              + ". The teacher-call key is the synthlib teacher-cache key of the call that wrote the row.", "",
              "## Prompt (one rendered example)", "", "```text", str(card.prompts.get("example", "")).strip(), "```",
              "", "## Source data", ""]
    lines += [f"- {name_}: {licence}" for name_, licence in source_licences(card.sources).items()]
    lines += ["", "Load it with `datasets.load_from_disk(<this folder>)` or read the Parquet file.", ""]
    return "\n".join(lines)


def _size_category(rows: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if rows < bound:
            return label
    return "100K<n<1M"


def _columns(rows: list[dict]) -> dict[str, list]:
    """Column lists over the union of keys (missing values None); mixed or dict columns as JSON text."""
    names = list(dict.fromkeys(key for row in rows for key in row))
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        kinds = {_kind(v) for v in values if v is not None}
        if len(kinds) > 1 and "list" in kinds and all(k.startswith("list") for k in kinds):
            kinds.discard("list")  # empty lists fit any list column
        if len(kinds) > 1 or "dict" in kinds or "other" in kinds:
            values = [None if v is None else json.dumps(_plain(v), ensure_ascii=False, sort_keys=True)
                      for v in values]
        columns[name] = values
    return columns


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple)):
        inner = {_kind(v) for v in value if v is not None}
        return f"list[{inner.pop()}]" if len(inner) == 1 and not inner & {"dict", "other"} else "other" if inner else "list"
    if isinstance(value, dict):
        return "dict"
    return "other"


def _plain(value: Any) -> Any:
    """JSON/YAML-safe: tuples to lists, numpy scalars to Python, dataclasses to dicts."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value
