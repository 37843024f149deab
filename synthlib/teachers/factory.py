"""``load_teacher(reference)``: turn a model reference from a config into a (cached) teacher.

===============================  ===========================================================
reference                        backend
===============================  ===========================================================
``gemma-3-270m``, ``qwen2.5-*``  ``hf``: a real LLM packaged on PyPI (:mod:`synthlib.packaged`)
``tiny-random-gpt2`` ...         a randomly initialised model built from a config (tests only)
``org/name``, ``./path``         ``hf``: a local transformers causal or seq2seq model
``openai:<model>@<base-url>``    ``openai``: any OpenAI-compatible server; key from ``OPENAI_API_KEY``
``vllm:<hub id or path>``        ``vllm``: in-process vLLM (``pip install synthlib[gpu]``)
``llamacpp:<alias or .gguf>``    ``llamacpp``: in-process llama.cpp (``pip install synthlib[llamacpp]``)
===============================  ===========================================================

Runtime keywords (batch size, concurrency, device, timeouts) go to the backend and never change
a cache key. Real models are wrapped in :class:`~synthlib.teachers.delivery.DeliveringTeacher`, which
puts each request in the form the model answers best (chat with a system prompt and a prefilled
answer, or few-shot continuation for a base model) before the cache, so the cache key is the prompt
the model saw.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synthlib.config import ConfigError
from synthlib.models import model_kind
from synthlib.packaged import checkpoint_dir, is_packaged, weight_hash
from synthlib.teachers.base import Teacher

DTYPE_ENV = "SYNTHLIB_TEACHER_DTYPE"
TEACHER_DTYPES = ("float32", "bfloat16", "float16")


def load_teacher(reference: str, cache: bool | str | Path = True, cache_mode: str = "use", progress: bool = True,
                 delivery: str = "auto", **runtime: Any) -> Teacher:
    """Build the teacher named by ``reference``; wrap it in the SQLite cache unless ``cache=False``.

    ``cache`` is ``True`` (``$SYNTHLIB_CACHE_DIR/generations.sqlite``), a path, or ``False``.
    ``cache_mode="replay"`` never calls the teacher and fails on a miss. ``delivery`` is ``auto``
    (from the model: ``chat`` for instruct models, ``fewshot`` for base models, ``plain`` for tiny
    random and scripted teachers) or one of those styles (``synthlib.teachers.delivery``).
    """
    from synthlib.teachers.delivery import STYLES, DeliveringTeacher, delivery_for

    if delivery != "auto" and delivery not in STYLES:
        raise ConfigError(f"unknown delivery '{delivery}'; use auto or one of {', '.join(STYLES)}")
    teacher = _backend(reference, runtime)
    if cache is not False:
        from synthlib.teachers.cache import CachedTeacher

        path = None if cache is True else Path(cache)
        teacher = CachedTeacher(teacher, path, mode=cache_mode, progress=progress,
                                description=reference.split("@")[0])
    chosen = delivery_for(teacher, delivery)
    return teacher if chosen.style == "plain" else DeliveringTeacher(teacher, chosen)


def default_dtype(device: str | None = None) -> str:
    """The weight dtype of a packaged teacher: ``$SYNTHLIB_TEACHER_DTYPE`` when set, else the faster one here
    (:func:`synthlib.teachers.hf.fast_dtype`: bfloat16 on CPUs with native bf16, float32 on the others).

    The two dtypes write different answers for the same seed, so a book run on a bfloat16 CPU differs from
    one run on a float32 CPU; ``SYNTHLIB_TEACHER_DTYPE=float32`` removes that difference (float32 kernels of
    another CPU may still round differently).
    """
    chosen = os.environ.get(DTYPE_ENV, "").strip()
    if not chosen:
        from synthlib.teachers.hf import fast_dtype

        return fast_dtype(device)
    if chosen not in TEACHER_DTYPES:
        raise ConfigError(f"{DTYPE_ENV}={chosen!r} is not a teacher dtype; set it to one of "
                          f"{', '.join(TEACHER_DTYPES)}, or unset it to take the faster dtype of this machine")
    return chosen


def _backend(reference: str, runtime: dict[str, Any]) -> Teacher:
    kind = model_kind(reference)
    if reference.startswith("tiny-random"):
        from synthlib.teachers.hf import tiny_random_teacher

        return tiny_random_teacher(reference, **runtime)
    if is_packaged(reference):
        from synthlib.teachers.hf import HFTeacher

        runtime.setdefault("dtype", default_dtype(runtime.get("device")))  # enters the signature: caches stay apart
        return HFTeacher(checkpoint_dir(reference), name=reference, weight_hash=weight_hash(reference), **runtime)
    if kind == "alias":
        raise ConfigError(f"'{reference}' is not a generative model; name a teacher (a packaged LLM, a hub id, a path "
                          "or openai:<model>@<base-url>)")
    if kind == "endpoint":
        from synthlib.teachers.openai_compat import OpenAITeacher

        model, base_url = reference[len("openai:"):].split("@", 1)
        return OpenAITeacher(model, base_url, **runtime)
    if kind == "vllm":
        from synthlib.teachers.vllm import VLLMTeacher

        return VLLMTeacher(reference[len("vllm:"):], **runtime)
    if kind == "llamacpp":
        from synthlib.teachers.llamacpp import LlamaCppTeacher

        return LlamaCppTeacher(reference[len("llamacpp:"):], **runtime)
    from synthlib.teachers.hf import HFTeacher

    return HFTeacher(reference, **runtime)
