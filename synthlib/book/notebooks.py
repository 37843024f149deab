"""Find the project's notebooks and validate their parameters before anything heavy runs.

Each notebook names its config class in its metadata (``metadata.synthlib.config`` =
``"package.module:ClassName"``) and has a first code cell tagged ``parameters`` that defines
``profile`` and ``params``. The CLI checks ``-p key=value`` pairs against that class with the same
:meth:`~synthlib.config.BaseConfig.from_profile` call the notebook itself makes.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import yaml

from synthlib.config import BaseConfig, ConfigError, _unknown


def repo_root() -> Path:
    """The repository checkout this package runs from."""
    return Path(__file__).resolve().parents[2]


def notebooks_dir() -> Path:
    """Folder of the committed, output-free notebooks."""
    return repo_root() / "notebooks"


def list_notebooks() -> list[str]:
    """Names (file stems) of every notebook, sorted, main notebooks before their ablations."""
    return sorted((p.stem for p in notebooks_dir().glob("*.ipynb")), key=lambda n: (n.split("__")[0], n))


def notebook_path(name: str) -> Path:
    """Resolve ``data``, ``data.ipynb`` or a path to the notebook file; unknown names fail clearly."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return candidate.resolve()
    stem = candidate.name.removesuffix(".ipynb")
    path = notebooks_dir() / f"{stem}.ipynb"
    if not path.is_file():
        raise ConfigError(_unknown("notebook", stem, list_notebooks(), "see `synthlib run --list`"))
    return path


def config_class(path: Path) -> type[BaseConfig]:
    """The config dataclass a notebook declares in ``metadata.synthlib.config``."""
    meta = json.loads(path.read_text()).get("metadata", {}).get("synthlib", {})
    target = meta.get("config")
    if not target or ":" not in target:
        raise ConfigError(f"{path.name} lacks metadata.synthlib.config ('module:Class'); add it to the notebook")
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, BaseConfig)):
        raise ConfigError(f"{target} named by {path.name} is not a synthlib config class")
    return cls


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """Turn ``["key=value", ...]`` into a dict; values are read as YAML (``3``, ``0.5``, ``[a, b]``, ``true``)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad parameter '{pair}': write it as key=value, e.g. -p length_sample=500")
        try:
            params[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError as err:
            raise ConfigError(f"parameter '{key}' has an unreadable value {raw!r}: {err}") from None
    return params


def resolve(name: str, profile: str, params: dict[str, Any]) -> tuple[Path, BaseConfig]:
    """Validate a notebook run request; returns the notebook path and its resolved config."""
    path = notebook_path(name)
    return path, config_class(path).from_profile(profile, params)
