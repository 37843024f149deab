"""Train a stand-in teacher from its recipe and cache it atomically under ``$SYNTHLIB_CACHE_DIR``.

The model is a small GPT-2 (``transformers``) with a byte-level BPE tokenizer trained on the
same instruction text (``tokenizers``); training uses the HF ``Trainer`` with the loss on target
tokens only (the prompt is context, not something to imitate). The result is written to a
temporary folder and renamed into place, under a file lock, so a killed training never leaves a
half model and two processes never train the same recipe at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from synthlib.teachers.standin.recipe import Recipe


def model_dir(recipe: Recipe, cache_dir: Path) -> Path:
    """``<cache>/standin/<name>-<recipe hash>``."""
    return cache_dir / "standin" / f"{recipe.name}-{recipe.digest()}"


def ensure_trained(recipe: Recipe, cache_dir: Path, device: str | None = None) -> Path:
    """The folder of the trained stand-in, training it first when the cache lacks it."""
    target = model_dir(recipe, cache_dir)
    if (target / "recipe.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target.with_suffix(".lock")):
        if (target / "recipe.json").is_file():  # another process finished while we waited
            return target
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            train(recipe, staging, device)
            os.replace(staging, target)  # atomic: the folder appears complete or not at all
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


@contextmanager
def _lock(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train(recipe: Recipe, out: Path, device: str | None = None) -> dict[str, Any]:
    """Build the corpus, the tokenizer and the model; train; save everything into ``out``."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainingArguments

    from synthlib.teachers.standin.corpus import build_examples
    from synthlib.teachers.tokenizer import train_bpe

    started = time.perf_counter()
    if not torch.cuda.is_available() and os.getloadavg()[0] >= (os.cpu_count() or 1):
        # a CPU already busy with other work: one thread avoids oversubscription (3x faster measured)
        torch.set_num_threads(1)
    examples = [e for fmt in recipe.formats for e in build_examples(fmt, recipe.per_format, recipe.seed,
                                                                     recipe.max_words)]
    tokenizer = train_bpe((e.prompt + e.target for e in examples), recipe.vocab_size)
    features = _encode(examples, tokenizer, recipe.context)
    torch.manual_seed(recipe.seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=recipe.n_embd,
                        n_layer=recipe.n_layer, n_head=recipe.n_head, bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = GPT2LMHeadModel(config)
    use_cpu = (device or ("cuda" if torch.cuda.is_available() else "cpu")) == "cpu"
    args = TrainingArguments(
        output_dir=str(out / "trainer"), max_steps=recipe.steps, per_device_train_batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate, warmup_steps=recipe.warmup_steps, lr_scheduler_type="cosine",
        weight_decay=0.01, logging_steps=max(1, recipe.steps // 10), save_strategy="no", report_to=[],
        seed=recipe.seed, data_seed=recipe.seed, dataloader_num_workers=0, use_cpu=use_cpu,
        disable_tqdm=False)
    trainer = Trainer(model=model, args=args, train_dataset=features, data_collator=_Collator(tokenizer.pad_token_id))
    result = trainer.train()
    shutil.rmtree(out / "trainer", ignore_errors=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    info = {"recipe": json.loads(json.dumps(recipe.__dict__)), "digest": recipe.digest(),
            "examples": len(features), "examples_per_format": _count(examples),
            "train_loss": float(result.training_loss), "train_seconds": round(time.perf_counter() - started, 1),
            "parameters": sum(p.numel() for p in model.parameters()), "stand_in": True,
            "sources": sorted({e.source for e in examples})}
    (out / "recipe.json").write_text(json.dumps(info, indent=2))  # written last: marks the folder complete
    return info


def _count(examples) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.format] = counts.get(example.format, 0) + 1
    return counts


def _encode(examples, tokenizer, context: int) -> list[dict[str, list[int]]]:
    """Token ids with labels on the target (+ EOS) only; examples longer than ``context`` are dropped."""
    features = []
    eos = tokenizer.eos_token_id
    for example in examples:
        prompt = tokenizer(example.prompt)["input_ids"]
        target = tokenizer(example.target)["input_ids"] + [eos]
        if len(prompt) + len(target) > context:
            keep = context - len(target)
            if keep < 24:  # no room for the instruction: skip rather than teach a broken prompt
                continue
            prompt = prompt[:keep]
        features.append({"input_ids": prompt + target, "labels": [-100] * len(prompt) + target})
    return features


class _Collator:
    """Right-pad a batch; padded positions are masked and carry no loss."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch):
        import torch

        width = max(len(item["input_ids"]) for item in batch)
        ids = [item["input_ids"] + [self.pad_id] * (width - len(item["input_ids"])) for item in batch]
        labels = [item["labels"] + [-100] * (width - len(item["labels"])) for item in batch]
        mask = [[1] * len(item["input_ids"]) + [0] * (width - len(item["input_ids"])) for item in batch]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
