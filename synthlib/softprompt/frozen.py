"""The frozen LLM a soft prompt is trained on: loaded as an ``hf`` teacher (model, tokenizer, signature).

Loading it through :class:`~synthlib.teachers.hf.HFTeacher` gives the weight fingerprint that enters
every generation's cache key, and the same object serves the prompt-template baselines (PT, PT_SR),
which query the same backbone with text, as in the paper.
"""

from __future__ import annotations

from typing import Any

from synthlib.config import ConfigError
from synthlib.models import model_kind


def load_frozen(reference: str, batch_size: int = 16, device: str | None = None) -> Any:
    """An HFTeacher for ``reference``: ``tiny-random-gpt2`` (tests), a packaged alias, a hub id or a path.

    Its parameters are frozen (``requires_grad`` off) and it is in eval mode (no dropout).
    """
    kind = model_kind(reference)
    if reference.startswith("tiny-random"):
        from synthlib.teachers.hf import tiny_random_teacher

        teacher = tiny_random_teacher(reference, batch_size=batch_size, device=device)
    elif kind == "alias":
        teacher = _packaged(reference, batch_size, device)
    elif kind in ("hub", "path"):
        from synthlib.teachers.hf import HFTeacher

        teacher = HFTeacher(reference, batch_size=batch_size, device=device)
    else:
        raise ConfigError(f"'{reference}' cannot be a frozen LLM: soft prompts need local weights "
                          "(a packaged alias such as gemma-3-270m, a hub id or a path)")
    if teacher.seq2seq:
        raise ConfigError(f"'{reference}' is an encoder-decoder model; soft prompts here need a decoder-only LLM")
    teacher.model.requires_grad_(False)
    teacher.model.eval()
    return teacher


def _packaged(alias: str, batch_size: int, device: str | None) -> Any:
    try:
        from synthlib.packaged import checkpoint_dir, is_packaged
    except ImportError as err:  # the packaged-model layer is not in this checkout
        raise ConfigError(f"'{alias}' is not a local causal LM here; name a packaged LLM (gemma-3-270m), "
                          "a hub id or a path") from err
    if not is_packaged(alias):
        raise ConfigError(f"'{alias}' is not a packaged LLM; use e.g. gemma-3-270m, a hub id or a path")
    from synthlib.teachers.hf import HFTeacher

    return HFTeacher(str(checkpoint_dir(alias)), name=alias, batch_size=batch_size, device=device)


def special_prefix(tokenizer) -> list[int]:
    """Token ids the tokenizer puts before any text (Gemma's BOS; nothing for GPT-2)."""
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    if plain and with_special[-len(plain):] == plain:
        return list(with_special[:len(with_special) - len(plain)])
    return []
