"""Tokenizer facts shared by teachers, students and metrics."""

from __future__ import annotations


def leading_bos(tokenizer) -> str:
    """The BOS token text when the tokenizer's own special tokens are exactly a leading BOS, else ''.

    Gemma's tokenizer prepends ``<bos>`` and the model degenerates into repetition without it;
    Qwen and GPT-2 add nothing; BERT-style tokenizers add [CLS] ... [SEP], which a causal prompt must
    not get. Code that tokenizes with ``add_special_tokens=False`` (to control what goes where)
    puts this text in front of a causal model's input once.
    """
    bos = getattr(tokenizer, "bos_token", None)
    if not bos or tokenizer.bos_token_id is None:
        return ""
    plain = tokenizer("a b", add_special_tokens=False)["input_ids"]
    special = tokenizer("a b", add_special_tokens=True)["input_ids"]
    return bos if list(special) == [tokenizer.bos_token_id, *plain] else ""


def bos_ids(tokenizer) -> list[int]:
    """``[bos_token_id]`` where :func:`leading_bos` says the model expects it, else ``[]``."""
    return [tokenizer.bos_token_id] if leading_bos(tokenizer) else []
