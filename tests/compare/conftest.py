"""A tiny comparison grid for the compare tests: scripted teacher, tiny random students, few rows."""

from __future__ import annotations

import pytest

from synthlib.compare import CompareConfig

TINY = dict(profile="smoke", teacher="stand-in-scripted", student="tiny-random-bert", qa_student="tiny-random-t5",
            tasks=["rte"], methods=["s3", "gold"], seeds=[0], budgets=[4000], pool_rows=12, test_rows=8,
            batch_size=8, max_length=48, max_new_tokens=64, student_steps=1, loop_epochs=0.5, s3_max_rounds=2)


@pytest.fixture
def tiny_config(tmp_path):
    """Build a tiny CompareConfig whose grid and cache live under tmp_path; keyword overrides apply."""
    def make(**overrides):
        values = {**TINY, "grid_dir": str(tmp_path / "grid"), "cache": str(tmp_path / "cache.sqlite"), **overrides}
        return CompareConfig.from_dict(values)
    return make
