"""A real packaged LLM as a teacher: load gemma-3-270m by alias, generate, parse what it wrote (CI runs this)."""

import pytest

from synthlib.tasks.formats import get_format
from synthlib.teachers import Request, SamplingParams, load_teacher
from synthlib.teachers.base import instruction_of
from synthlib.teachers.parsing import safe_parse


@pytest.mark.slow
def test_gemma_writes_reviews_that_parse(tmp_path, use_mirror):
    teacher = load_teacher("gemma-3-270m", cache=tmp_path / "cache.sqlite", progress=False, batch_size=4)
    assert teacher.delivery.style == "fewshot"  # a base model: class-only few-shot continuation
    fmt = get_format("sentiment")
    sampling = SamplingParams(max_new_tokens=40, temperature=0.7, top_p=0.95)
    requests = [Request(prompt=fmt.prompt(label=label), sampling=sampling, seed=0, sample_index=i,
                        constraint="sentiment" if i % 2 else None, metadata={"format": "sentiment"})
                for i, label in enumerate(["negative", "positive", "positive", "negative"])]
    generations = teacher.generate(requests)
    outcomes = [safe_parse(fmt.parse, g.text, instruction_of(r)) for r, g in zip(requests, generations, strict=True)]
    assert all(g.text.startswith("[text]") for g in generations)  # the prefilled tag is part of the answer
    constrained = [g.text for r, g in zip(requests, generations, strict=True) if r.constraint]
    assert all("\n[label] " in text for text in constrained)  # the decoder forced the skeleton
    assert sum(o.ok for o in outcomes) >= 2, [(g.text, o.reason) for g, o in zip(generations, outcomes, strict=True)]
    again = load_teacher("gemma-3-270m", cache=tmp_path / "cache.sqlite", progress=False, batch_size=4)
    assert [g.text for g in again.generate(requests)] == [g.text for g in generations]
    assert again.stats.misses == 0  # a rerun calls no model


@pytest.mark.slow
def test_the_environment_pins_a_packaged_teachers_dtype_into_its_signature(monkeypatch):
    monkeypatch.setenv("SYNTHLIB_TEACHER_DTYPE", "float32")
    teacher = load_teacher("gemma-3-270m", cache=False, progress=False)
    assert teacher.signature.to_dict()["dtype"] == "float32"
    assert {str(p.dtype) for p in teacher.inner.model.parameters()} == {"torch.float32"}
