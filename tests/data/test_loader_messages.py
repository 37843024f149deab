"""The message a user gets when a dataset is neither mirrored nor reachable reads as English."""

import pytest

from synthlib.data import loader
from synthlib.data.catalog import DATASETS
from synthlib.data.mirror import DataUnavailableError


def test_missing_mirror_message_names_the_variable_without_a_double_negative(monkeypatch):
    monkeypatch.delenv("SYNTHLIB_DATA_DIR", raising=False)
    spec = next(s for s in DATASETS.values() if s.hub is None) if any(s.hub is None for s in DATASETS.values()) \
        else None
    if spec is None:
        pytest.skip("every catalogued dataset has a hub source")
    with pytest.raises(DataUnavailableError) as error:
        loader._hub_rows(spec, spec.splits[0], None)
    message = str(error.value)
    assert "not in no" not in message and "SYNTHLIB_DATA_DIR is unset" in message
