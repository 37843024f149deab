"""The frozen LLM a soft prompt is trained on: loaded as an ``hf`` teacher (model, tokenizer, signature).

Loading it through :class:`~synthlib.teachers.hf.HFTeacher` gives the weight fingerprint that enters
every generation's cache key, and the same object serves the prompt-template baselines (PT, PT_SR),
which query the same backbone with text, as in the paper.
"""

from __future__ import annotations

from typing import Any

from synthlib.config import ConfigError
from synthlib.models import TEACHER_ONLY_KINDS, model_kind


def load_frozen(reference: str, batch_size: int = 16, device: str | None = None) -> Any:
    """An HFTeacher for ``reference``: ``tiny-random-gpt2`` (tests), a packaged alias (``gemma-3-270m``),
    a hub id or a path, loaded like any teacher but without the cache.

    Its parameters are frozen (``requires_grad`` off) and it is in eval mode (no dropout).
    """
    from synthlib.teachers import load_teacher
    from synthlib.teachers.hf import HFTeacher

    if model_kind(reference) in TEACHER_ONLY_KINDS:  # a typo fails here too, before anything loads
        raise ConfigError(f"'{reference}' cannot be a frozen LLM: soft prompts need the weights as torch tensors; name "
                          "the model plainly (a packaged LLM such as gemma-3-270m, a hub id or a path)")
    # plain delivery: the soft prompt and the PT templates are the whole input, as in the paper (the
    # few-shot wrapper a base model gets as a teacher elsewhere would hide the HFTeacher, too)
    teacher = load_teacher(reference, cache=False, delivery="plain", batch_size=batch_size, device=device)
    if not isinstance(teacher, HFTeacher) or teacher.seq2seq:
        raise ConfigError(f"'{reference}' cannot be a frozen LLM: soft prompts need a local decoder-only model "
                          "(a packaged LLM such as gemma-3-270m, a hub id or a path)")
    teacher.model.requires_grad_(False)
    teacher.model.eval()
    return teacher
