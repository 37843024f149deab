"""Teachers: the models that write synthetic data, behind one contract.

* :mod:`~synthlib.teachers.base`: ``Request``, ``SamplingParams``, ``Generation``, ``Teacher``.
* backends: :mod:`~synthlib.teachers.hf` (local transformers models), :mod:`~synthlib.teachers.openai_compat`
  (any OpenAI-compatible server), :mod:`~synthlib.teachers.vllm` (in-process vLLM, optional),
  :mod:`~synthlib.teachers.llamacpp` (a GGUF in-process through llama.cpp, optional),
  :mod:`~synthlib.teachers.delivery` (how requests are put to real models: chat + prefill, or few-shot).
* :mod:`~synthlib.teachers.cache`: the SQLite cache that wraps any of them.
* :mod:`~synthlib.teachers.parsing`: structured output (JSON, tagged fields, label words) with
  counted rejection reasons.
* :func:`load_teacher`: a model reference (see ``synthlib.models``) -> a cached teacher.

Importing this package is cheap: torch, transformers and httpx load inside the backends.
"""

from synthlib.teachers.base import Generation, Request, SamplingParams, Teacher, TeacherSignature
from synthlib.teachers.cache import CachedTeacher, CacheMissError
from synthlib.teachers.factory import load_teacher

__all__ = ["CacheMissError", "CachedTeacher", "Generation", "Request", "SamplingParams", "Teacher",
           "TeacherSignature", "load_teacher"]
