"""Turn a :class:`~synthlib.data.catalog.DatasetSpec` into a ``datasets.Dataset``.

Order of sources: the verified local mirror (``$SYNTHLIB_DATA_DIR``), then the Hugging Face hub via
``datasets.load_dataset``. When neither works the error names ``SYNTHLIB_DATA_DIR`` and the hub id.
"""

from __future__ import annotations

import logging

from synthlib.data.catalog import DatasetSpec, mirror_paths, parse_name
from synthlib.data.mirror import ENV_VAR, DataUnavailableError, data_dir, mirror_file

log = logging.getLogger(__name__)


def load_dataset(name: str, split: str, *, subset: str | None = None, max_rows: int | None = None):
    """Load one split of a catalogued dataset with normalised columns and ``ClassLabel`` labels.

    ``name`` may carry the subset as ``"mmlu/anatomy"``. ``max_rows`` keeps the first rows only
    (files are read whole either way; it bounds downstream work). Returns ``datasets.Dataset``.
    """
    if subset:
        name = f"{name}/{subset}"
    spec, subset = parse_name(name, require_subset=True)
    if not spec.has(split, subset):
        raise ValueError(f"dataset '{name}' has no split '{split}'; splits: "
                         f"{', '.join(s for s in spec.splits if spec.has(s, subset))}")
    rows = _local_rows(spec, split, subset)
    source = "mirror"
    if rows is None:
        rows, source = _hub_rows(spec, split, subset), "hub"
    if max_rows is not None:
        rows = rows[:max_rows]
    dataset = _to_dataset(rows, spec)
    log.debug("loaded %s/%s split %s from %s: %d rows", spec.name, subset, split, source, len(dataset))
    return dataset


def _local_rows(spec: DatasetSpec, split: str, subset: str | None) -> list[dict] | None:
    relative = mirror_paths(spec, split, subset)
    paths = [mirror_file(path) for path in relative]
    if any(path is None for path in paths):
        return None
    return spec.reader(paths, split, subset)


def _hub_rows(spec: DatasetSpec, split: str, subset: str | None) -> list[dict]:
    where = (f"is not in the mirror ({ENV_VAR}={data_dir()})" if data_dir()
             else f"has no local mirror to come from ({ENV_VAR} is unset)")
    if spec.hub is None:
        raise DataUnavailableError(
            f"dataset '{spec.name}' split '{split}' {where} and has no hub source; "
            f"set {ENV_VAR} to a mirror holding {', '.join(mirror_paths(spec, split, subset))}")
    import datasets

    hub = spec.hub
    config = hub.config.format(subset=subset) if hub.config else None
    try:
        parts = [datasets.load_dataset(hub.path, config, split=s) for s in hub.splits[split]]
    except Exception as err:  # offline, gated, renamed: all end the same way for the user
        raise DataUnavailableError(
            f"dataset '{spec.name}' split '{split}' {where}, and the hub "
            f"({hub.path}{', ' + config if config else ''}) failed: {type(err).__name__}: {err}. "
            f"Set {ENV_VAR} to the data mirror (e.g. ../shared/data) or go online.") from err
    return [hub.normalise(row) for part in parts for row in part]


def _to_dataset(rows: list[dict], spec: DatasetSpec):
    import datasets

    if not rows:
        return datasets.Dataset.from_dict({column: [] for column in spec.columns})
    dataset = datasets.Dataset.from_list(rows)
    if spec.label_names and "label" in dataset.column_names:
        from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

        quiet_already = are_progress_bars_disabled()
        disable_progress_bars()  # an in-memory cast takes milliseconds; its bar is noise in notebooks
        try:
            dataset = dataset.cast_column("label", datasets.ClassLabel(names=list(spec.label_names)))
        finally:
            if not quiet_already:
                enable_progress_bars()
    return dataset
