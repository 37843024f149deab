"""load_teacher: every model reference maps to its backend, cached unless asked otherwise."""

import importlib.util

import pytest

from synthlib.config import ConfigError
from synthlib.models import model_kind
from synthlib.teachers import CachedTeacher, load_teacher
from synthlib.teachers.hf import HFTeacher
from synthlib.teachers.openai_compat import OpenAITeacher


def test_endpoint_references_build_the_openai_backend_without_a_key_in_the_signature(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-appear")
    teacher = load_teacher("openai:gpt-4o-mini@https://api.openai.com/v1", cache=tmp_path / "c.sqlite",
                           concurrency=4)
    assert isinstance(teacher.inner, CachedTeacher) and isinstance(teacher.teacher, OpenAITeacher)
    assert teacher.delivery.style == "chat" and not teacher.delivery.honours_constraints  # a served chat model
    assert teacher.signature.backend == "openai" and teacher.signature.model == "gpt-4o-mini"
    assert "sk-should-not-appear" not in repr(teacher) + teacher.signature.key()
    assert teacher.teacher.concurrency == 4


def test_tiny_random_references_build_the_hf_backend_uncached():
    teacher = load_teacher("tiny-random-gpt2", cache=False, batch_size=3)
    assert isinstance(teacher, HFTeacher) and teacher.batch_size == 3 and teacher.signature.stand_in


def test_non_generators_and_bad_references_fail_with_the_fix():
    with pytest.raises(ConfigError, match="not a generative model"):
        load_teacher("minilm", cache=False)
    with pytest.raises(ConfigError, match="openai:<model>@<base-url>"):
        load_teacher("openai:missing-url", cache=False)
    assert model_kind("vllm:mistralai/Mistral-7B-Instruct-v0.2") == "vllm"
    with pytest.raises(ConfigError, match="vllm:<hub id or local path>"):
        model_kind("vllm:")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_the_vllm_backend_explains_how_to_install_it():
    with pytest.raises(ImportError, match="synthlib\\[gpu\\]"):
        load_teacher("vllm:mistralai/Mistral-7B-Instruct-v0.2", cache=False)


def test_importing_the_package_stays_cheap():
    import subprocess
    import sys

    code = "import sys, synthlib.teachers, synthlib.tasks; print(any(m in sys.modules for m in ('torch', 'transformers', 'httpx')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_the_teacher_dtype_comes_from_the_environment_or_the_machine(monkeypatch):
    from synthlib.teachers.factory import DTYPE_ENV, default_dtype
    from synthlib.teachers.hf import fast_dtype

    monkeypatch.delenv(DTYPE_ENV, raising=False)
    assert default_dtype() == fast_dtype()
    for dtype in ("float32", "bfloat16"):
        monkeypatch.setenv(DTYPE_ENV, f" {dtype}\n")
        assert default_dtype() == dtype
    monkeypatch.setenv(DTYPE_ENV, "fp32")
    with pytest.raises(ConfigError, match="SYNTHLIB_TEACHER_DTYPE='fp32' is not a teacher dtype; set it to one of "
                                          "float32, bfloat16, float16"):
        default_dtype()
