"""Packaged LLMs: part verification, atomic assembly, clear errors, and (slow) the real Gemma."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from synthlib import packaged
from synthlib.config import ConfigError
from synthlib.models import model_kind

PARTS = [b"GGUF" + bytes(range(256)) * 3, "ünïcode ∑ part\n".encode() * 50, b"\x00" * 1000]


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    """A packaged model made of three tiny part packages importable from tmp_path."""
    site = tmp_path / "site"
    for i, content in enumerate(PARTS, start=1):
        data = site / f"fakemodel_part{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"part{i:02d}.bin").write_bytes(content)
    monkeypatch.syspath_prepend(str(site))
    joined = b"".join(PARTS)
    model = replace(packaged.PACKAGED_MODELS["qwen2.5-coder-0.5b-instruct"], alias="fake-model",
                    distribution="fake-model-part", module="fakemodel_part", n_parts=3, version="0.1",
                    gguf_sha256=hashlib.sha256(joined).hexdigest(), gguf_bytes=len(joined))
    monkeypatch.setitem(packaged.PACKAGED_MODELS, "fake-model", model)
    for i, content in enumerate(PARTS, start=1):
        monkeypatch.setitem(packaged.PART_SHA256, f"fakemodel_part{i}", hashlib.sha256(content).hexdigest())
    monkeypatch.setenv("SYNTHLIB_CACHE_DIR", str(tmp_path / "cache"))
    for name in [m for m in sys.modules if m.startswith("fakemodel_part")]:
        monkeypatch.delitem(sys.modules, name)
    return model, site


def test_assembles_parts_in_order_and_verifies(fake_model):
    path = packaged.gguf_path("fake-model")
    assert path.read_bytes() == b"".join(PARTS)
    assert path.parent == packaged.models_cache_dir() / "fake-model"
    packaged.verify_parts("fake-model")  # no error on intact parts
    assert packaged.gguf_path("fake-model") == path  # second call reuses the file


def test_corrupted_part_is_named_with_the_install_command(fake_model):
    _, site = fake_model
    (site / "fakemodel_part2" / "data" / "part02.bin").write_bytes(b"tampered")
    with pytest.raises(ConfigError, match=r"fake-model-part2==0\.1.*requirements-models\.txt"):
        packaged.gguf_path("fake-model")
    folder = packaged.models_cache_dir() / "fake-model"
    assert not (folder / "fake-model.gguf").exists()
    assert not list(folder.glob("*.tmp")), "a failed assembly must leave no temporary file"


def test_missing_package_is_a_clear_error_before_any_work(fake_model, monkeypatch):
    _, site = fake_model
    (site / "fakemodel_part3" / "__init__.py").unlink()
    (site / "fakemodel_part3" / "data" / "part03.bin").unlink()
    (site / "fakemodel_part3" / "data").rmdir()
    (site / "fakemodel_part3").rmdir()
    with pytest.raises(ConfigError, match=r"missing PyPI package.*fake-model-part3==0\.1.*pip install"):
        packaged.gguf_path("fake-model")


def test_a_kill_mid_assembly_leaves_no_half_file(fake_model, monkeypatch):
    real_open = Path.open
    calls = {"n": 0}

    def dying_open(self, *args, **kwargs):
        if self.name == "part03.bin":
            calls["n"] += 1
            raise KeyboardInterrupt  # stands in for a signal arriving mid-copy
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", dying_open)
    with pytest.raises(KeyboardInterrupt):
        packaged.gguf_path("fake-model")
    folder = packaged.models_cache_dir() / "fake-model"
    assert calls["n"] == 1
    assert not (folder / "fake-model.gguf").exists() and not list(folder.glob(".*.tmp"))
    monkeypatch.setattr(Path, "open", real_open)
    assert packaged.gguf_path("fake-model").read_bytes() == b"".join(PARTS)


def test_aliases_are_model_references():
    for alias in packaged.PACKAGED_MODELS:
        assert model_kind(alias) == "alias"
        assert packaged.is_packaged(alias)
    assert not packaged.is_packaged("minilm")
    with pytest.raises(ConfigError, match="not a packaged model"):
        packaged.spec("gemma-3-1b")


def test_registry_matches_the_pinned_requirements():
    pinned = (Path(__file__).parents[1] / "requirements-models.txt").read_text()
    for model in packaged.PACKAGED_MODELS.values():
        for module in model.part_modules():
            assert model.part_requirement(module) in pinned
            assert module in packaged.PART_SHA256


@pytest.mark.slow
def test_real_gemma_checkpoint_loads_as_student_and_teacher(tmp_path):
    """The real gemma-3-270m: parts verify, the converted checkpoint loads and writes text greedily."""
    from synthlib.students import load_student
    from synthlib.teachers import Request, SamplingParams, load_teacher

    packaged.verify_parts("gemma-3-270m")
    folder = packaged.checkpoint_dir("gemma-3-270m")
    assert (folder / "synthlib-packaged.json").is_file() and list(folder.glob("*.safetensors"))
    student = load_student("gemma-3-270m", "causal")
    assert sum(p.numel() for p in student.model.parameters()) > 200_000_000
    teacher = load_teacher("gemma-3-270m", cache=tmp_path / "cache.sqlite", progress=False)
    greedy = SamplingParams(temperature=0.0, max_new_tokens=8)
    prompt = "Q: What is the capital of Italy?\nA: Rome\nQ: What is the capital of France?\nA:"
    [out] = teacher.generate([Request(prompt=prompt, sampling=greedy)])
    assert out.text.strip().startswith("Paris"), out.text  # needs Gemma's <bos>, which render() adds
    assert teacher.signature.revision == packaged.weight_hash("gemma-3-270m")


@pytest.mark.slow
def test_real_gemma_loads_as_the_frozen_llm_of_soft_prompts():
    """The base model a teacher call wraps in few-shot delivery comes bare to SoftSRV, frozen."""
    from synthlib.softprompt.frozen import load_frozen
    from synthlib.teachers.hf import HFTeacher

    frozen = load_frozen("gemma-3-270m")
    assert isinstance(frozen, HFTeacher) and frozen.signature.model == "gemma-3-270m"
    assert not any(p.requires_grad for p in frozen.model.parameters()) and not frozen.model.training
