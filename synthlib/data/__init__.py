"""Dataset access: the local mirror first (``$SYNTHLIB_DATA_DIR``), then the hub.

>>> from synthlib.data import load_dataset, list_datasets
>>> load_dataset("rte", "validation").features["label"].names
['entailment', 'not_entailment']

Importing this package is cheap: ``datasets`` is imported on the first load.
"""

from synthlib.data.catalog import DATASETS, DatasetSpec, check_dataset_name, parse_name
from synthlib.data.mirror import DataIntegrityError, DataUnavailableError, data_dir, used_files


def load_dataset(name: str, split: str, *, subset: str | None = None, max_rows: int | None = None):
    """Load a split as a ``datasets.Dataset``; see :func:`synthlib.data.loader.load_dataset`."""
    from synthlib.data.loader import load_dataset as _load

    return _load(name, split, subset=subset, max_rows=max_rows)


def list_datasets() -> list[str]:
    """Names of every catalogued dataset."""
    return list(DATASETS)


__all__ = ["DATASETS", "DatasetSpec", "DataIntegrityError", "DataUnavailableError", "check_dataset_name",
           "data_dir", "list_datasets", "load_dataset", "parse_name", "used_files"]
