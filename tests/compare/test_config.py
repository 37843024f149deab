"""Bad grids fail before any work, with a message that names the problem and the fix."""

from __future__ import annotations

import pytest

from synthlib.compare import METHOD_CHOICES, CompareConfig
from synthlib.compare.adapters import METHODS
from synthlib.compare.grid import plan
from synthlib.config import ConfigError


def test_the_config_offers_exactly_the_methods_with_an_adapter():
    assert set(METHOD_CHOICES) == set(METHODS)


@pytest.mark.parametrize("overrides,message", [
    ({"methods": ["s3", "curated"]}, "unknown method .curated."),
    ({"tasks": ["imbd"]}, "unknown task 'imbd'"),
    ({"tasks": ["imdb"], "methods": ["s3", "gold"]}, r"gold/imdb: gold has no imdb.*skip: \[gold/imdb\]"),
    ({"seeds": []}, "'seeds' is empty"),
    ({"budgets": [100, 100]}, "'budgets' repeats a value"),
    ({"budgets": [0]}, "budgets >= 1"),
    ({"skip": ["gold-rte"]}, "skip entry 'gold-rte'"),
    ({"methods": ["gold"], "skip": ["gold/rte"]}, "skip leaves no"),
    ({"tasks": ["adversarial_qa"], "qa_student": "minilm"}, "gold/adversarial_qa: GOLD's QA student"),
    ({"tasks": ["adversarial_qa"], "methods": ["s3"], "qa_student": "gemma-3-270m"}, "causal LM"),
    ({"s3_seed_share": 1.0}, "s3_seed_share"),
])
def test_bad_grids_are_refused_with_the_fix(overrides, message):
    with pytest.raises(ConfigError, match=message):
        CompareConfig.from_profile("smoke", overrides)


def test_a_skipped_pair_leaves_the_rest_of_the_grid():
    config = CompareConfig.from_profile("smoke", {"tasks": ["imdb", "rte"], "methods": ["s3", "gold"],
                                                  "skip": ["gold/imdb"], "seeds": [0], "budgets": [10, 20]})
    cells = [(c.method, c.task) for c in plan(config)]
    assert ("gold", "imdb") not in cells and ("gold", "rte") in cells and ("s3", "imdb") in cells
    assert cells.count(("untuned", "imdb")) == 1


@pytest.mark.parametrize("profile", ["smoke", "cpu", "gpu", "paper"])
def test_every_profile_resolves(profile):
    assert CompareConfig.from_profile(profile).profile == profile
