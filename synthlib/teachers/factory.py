"""``load_teacher(reference)``: turn a model reference from a config into a (cached) teacher.

===============================  ===========================================================
reference                        backend
===============================  ===========================================================
``gemma-3-270m``, ``qwen2.5-*``  ``hf``: a real LLM packaged on PyPI (:mod:`synthlib.packaged`)
``stand-in``, ``stand-in-tiny``  the offline STAND-IN (``synthlib.teachers.standin``), trained on first use
``tiny-random-gpt2`` ...         a randomly initialised model built from a config (tests only)
``org/name``, ``./path``         ``hf``: a local transformers causal or seq2seq model
``openai:<model>@<base-url>``    ``openai``: any OpenAI-compatible server; key from ``OPENAI_API_KEY``
``vllm:<hub id or path>``        ``vllm``: in-process vLLM (``pip install synthlib[gpu]``)
===============================  ===========================================================

Runtime keywords (batch size, concurrency, device, timeouts) go to the backend and never change
a cache key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthlib.config import ConfigError
from synthlib.models import model_kind
from synthlib.packaged import checkpoint_dir, is_packaged, weight_hash
from synthlib.teachers.base import Teacher


def load_teacher(reference: str, cache: bool | str | Path = True, cache_mode: str = "use", progress: bool = True,
                 **runtime: Any) -> Teacher:
    """Build the teacher named by ``reference``; wrap it in the SQLite cache unless ``cache=False``.

    ``cache`` is ``True`` (``$SYNTHLIB_CACHE_DIR/generations.sqlite``), a path, or ``False``.
    ``cache_mode="replay"`` never calls the teacher and fails on a miss.
    """
    teacher = _backend(reference, runtime)
    if cache is False:
        return teacher
    from synthlib.teachers.cache import CachedTeacher

    path = None if cache is True else Path(cache)
    return CachedTeacher(teacher, path, mode=cache_mode, progress=progress, description=reference.split("@")[0])


def _backend(reference: str, runtime: dict[str, Any]) -> Teacher:
    kind = model_kind(reference)
    if reference.startswith("stand-in"):
        from synthlib.teachers.standin import load_standin

        return load_standin(reference, **runtime)
    if reference.startswith("tiny-random"):
        from synthlib.teachers.hf import tiny_random_teacher

        return tiny_random_teacher(reference, **runtime)
    if is_packaged(reference):
        from synthlib.teachers.hf import HFTeacher

        return HFTeacher(checkpoint_dir(reference), name=reference, weight_hash=weight_hash(reference), **runtime)
    if kind == "alias":
        raise ConfigError(f"'{reference}' is not a generative model; name a teacher (stand-in, a hub id, a path "
                          "or openai:<model>@<base-url>)")
    if kind == "endpoint":
        from synthlib.teachers.openai_compat import OpenAITeacher

        model, base_url = reference[len("openai:"):].split("@", 1)
        return OpenAITeacher(model, base_url, **runtime)
    if kind == "vllm":
        from synthlib.teachers.vllm import VLLMTeacher

        return VLLMTeacher(reference[len("vllm:"):], **runtime)
    from synthlib.teachers.hf import HFTeacher

    return HFTeacher(reference, **runtime)
