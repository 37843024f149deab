"""Dataclass configs with strict validation, shared by notebooks (papermill) and the CLI.

Every config is a dataclass whose fields carry a ``help`` line in their metadata. Values are
resolved in layers, later layers winning:

1. the dataclass defaults,
2. the profile's shared keys (``configs/profiles/<profile>.yaml``) that the config declares,
3. the profile's section for this notebook (``notebooks: {<name>: {...}}``),
4. explicit overrides (``-p key=value`` on the CLI, the ``params`` dict in a notebook).

Anything unknown or ill-typed fails at once with a :class:`ConfigError` that names the problem and
the fix, before a model or a data file is touched. This module only imports the standard library
and PyYAML so that validation stays fast.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args, get_origin

import yaml

PROFILES = ("smoke", "cpu", "gpu", "paper")
DEFAULT_PROFILE = "cpu"


class ConfigError(ValueError):
    """A configuration value is unknown, ill-typed or out of range; the message says the fix."""


def option(default: Any, help: str, kind: str | None = None, **kwargs: Any) -> Any:
    """Declare a config field with its one-line ``help`` and an optional semantic ``kind``.

    ``kind`` is ``"dataset"`` or ``"model"``: values are then checked against the dataset
    registry or the model-name rules, not only by type.
    """
    metadata = {"help": help, "kind": kind}
    if isinstance(default, (list, dict, set)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=metadata, **kwargs)
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def cache_root() -> Path:
    """Where synthlib caches what it makes: ``$SYNTHLIB_CACHE_DIR`` or ``~/.cache/synthlib``."""
    return Path(os.environ.get("SYNTHLIB_CACHE_DIR") or Path.home() / ".cache" / "synthlib").expanduser()


def config_dir() -> Path:
    """Folder holding ``profiles/``: ``$SYNTHLIB_CONFIG_DIR`` or the repository's ``configs/``."""
    env = os.environ.get("SYNTHLIB_CONFIG_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "configs"


def load_profile(profile: str) -> dict[str, Any]:
    """Read ``configs/profiles/<profile>.yaml`` as a dict (shared keys plus ``notebooks``)."""
    if profile not in PROFILES:
        raise ConfigError(_unknown("profile", profile, PROFILES, "pass --profile with one of them"))
    path = config_dir() / "profiles" / f"{profile}.yaml"
    if not path.is_file():
        raise ConfigError(f"profile file {path} is missing; restore it from git or set SYNTHLIB_CONFIG_DIR")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    return data


@dataclasses.dataclass
class BaseConfig:
    """Base of every notebook/method config. Subclasses set ``name`` (the notebook name)."""

    name: ClassVar[str] = "base"

    profile: str = option(DEFAULT_PROFILE, "Profile the values came from: smoke, cpu, gpu or paper.")
    seed: int = option(0, "Seed for every random choice (sampling, shuffles, initialisation).")

    def __post_init__(self) -> None:
        self.validate()

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "parameters") -> BaseConfig:
        """Build from a flat mapping, rejecting unknown keys and wrong types with one message."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        for key in values:
            if key not in known:
                raise ConfigError(_unknown(f"key in {source} for {cls.__name__}", key, sorted(known),
                                           "remove it or use one of the keys listed"))
        hints = typing.get_type_hints(cls)
        checked = {key: _check_type(key, value, hints[key], source) for key, value in values.items()}
        return cls(**checked)

    @classmethod
    def from_profile(cls, profile: str = DEFAULT_PROFILE, overrides: dict[str, Any] | None = None) -> BaseConfig:
        """Resolve defaults < profile shared keys < profile notebook section < overrides."""
        data = load_profile(profile)
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        section = (data.get("notebooks") or {}).get(cls.name) or {}
        cls.from_dict(section, source=f"profile '{profile}' section notebooks.{cls.name}")  # validate
        values.update(section)
        values.update(overrides or {})
        values["profile"] = profile
        return cls.from_dict(values, source="parameters")

    # -- checks -----------------------------------------------------------------------------
    def validate(self) -> None:
        """Check semantic kinds (datasets, models, profile); subclasses add range checks."""
        if self.profile not in PROFILES:
            raise ConfigError(_unknown("profile", self.profile, PROFILES, "use one of them"))
        for f in dataclasses.fields(self):
            kind = f.metadata.get("kind")
            if kind:
                _check_kind(f.name, getattr(self, f.name), kind)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view, suitable for YAML/JSON manifests."""
        return dataclasses.asdict(self)

    @classmethod
    def help(cls) -> str:
        """One line per field: name, type, default and help text."""
        lines = []
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            lines.append(f"{f.name} ({_type_name(typing.get_type_hints(cls)[f.name])}, default {default!r}): "
                         f"{f.metadata.get('help', '')}")
        return "\n".join(lines)


def check_choices(values: typing.Iterable[str], choices: typing.Iterable[str], what: str, field: str) -> None:
    """Raise :class:`ConfigError` naming the first of ``values`` (a list field) that is not in ``choices``."""
    choices = list(choices)
    for value in values:
        if value not in choices:
            raise ConfigError(f"unknown {what} '{value}' in {field}; use any of {', '.join(choices)}")


# -- helpers ------------------------------------------------------------------------------------

def _unknown(what: str, value: Any, choices: typing.Iterable[str], fix: str) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"unknown {what}: '{value}'.{hint} Choices: {', '.join(choices)}; {fix}."


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _check_type(key: str, value: Any, tp: Any, source: str) -> Any:
    """Return ``value`` (ints widened to float where a float is expected) or raise ConfigError."""
    ok, coerced = _matches(value, tp)
    if not ok:
        raise ConfigError(f"wrong type for '{key}' in {source}: got {value!r} ({type(value).__name__}), "
                          f"expected {_type_name(tp)}; pass a value of that type, e.g. -p {key}=...")
    return coerced


def _matches(value: Any, tp: Any) -> tuple[bool, Any]:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return True, value
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            ok, coerced = _matches(value, arg)
            if ok:
                return True, coerced
        return False, value
    if tp is type(None):
        return value is None, value
    if origin is Literal:
        return value in args, value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False, value
        items = [_matches(v, args[0] if args else Any) for v in value]
        return all(ok for ok, _ in items), [c for _, c in items]
    if origin is dict:
        if not isinstance(value, dict):
            return False, value
        items = {k: _matches(v, args[1] if args else Any) for k, v in value.items()}
        return all(ok for ok, _ in items.values()), {k: c for k, (_, c) in items.items()}
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    return isinstance(value, tp), value


def _check_kind(key: str, value: Any, kind: str) -> None:
    values = value if isinstance(value, (list, tuple)) else [value]
    for item in values:
        if item is None:
            continue
        if kind == "dataset":
            from synthlib.data.catalog import check_dataset_name

            check_dataset_name(item, key)
        elif kind == "model":
            from synthlib.models import check_model_name

            check_model_name(item, key)
        else:  # pragma: no cover - a programming error in a config class
            raise ConfigError(f"field '{key}' declares unknown kind '{kind}'")
