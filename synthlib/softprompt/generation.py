"""Sample from a frozen LLM through ``inputs_embeds``, and :class:`SoftPromptTeacher`, which does so
from a trained soft prompt P(E(x)) behind the ordinary teacher contract (and so behind the cache).

A request's ``prompt`` is the context text x_i (SoftSRV cycles over the training samples); the
model never sees x_i as tokens, only P(E(x_i)). Sampling is per row and seeded by the request's
``(seed, sample_index)`` (:class:`~synthlib.teachers.hf.PerRowSampler`, the Gumbel-max trick), so a
request returns the same text alone or in any batch. Every row of a batch has the same length
(special prefix + t soft tokens), so no padding is needed. The signature's ``revision`` holds the
frozen LLM's fingerprint and a hash of P's weights: retraining P changes every cache key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from synthlib.teachers.base import Generation, Request, ResultCallback, SamplingParams, Teacher, TeacherSignature


def generate_from_embeddings(model: Any, tokenizer: Any, embeds: Any, sampling: SamplingParams,
                             seeds: Sequence[int]) -> list[list[int]]:
    """New token ids per row after ``embeds`` [B, L, d] (greedy when ``sampling.greedy``), EOS cut."""
    import torch
    from transformers import LogitsProcessorList

    from synthlib.teachers.hf import PerRowSampler

    processors = LogitsProcessorList([] if sampling.greedy else [PerRowSampler(list(seeds), sampling)])
    mask = torch.ones(embeds.shape[:2], dtype=torch.long, device=embeds.device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.inference_mode():
        output = model.generate(inputs_embeds=embeds, attention_mask=mask, max_new_tokens=sampling.max_new_tokens,
                                do_sample=False, num_beams=1, logits_processor=processors, pad_token_id=pad,
                                eos_token_id=tokenizer.eos_token_id, temperature=None, top_p=None, top_k=None)
    rows = []
    for ids in output.tolist():  # decoder-only generate from inputs_embeds returns the new tokens only
        if tokenizer.eos_token_id in ids:
            ids = ids[:ids.index(tokenizer.eos_token_id)] + [tokenizer.eos_token_id]
        rows.append(ids)
    return rows


class SoftPromptTeacher(Teacher):
    """A trained soft prompt on its frozen LLM, as a teacher: ``Request(prompt=x_i)`` -> a sample."""

    def __init__(self, prompt: Any, frozen: Any, encoder: Any, batch_size: int = 16):
        from synthlib.softprompt.training import prompt_hash
        from synthlib.tokens import bos_ids

        self.prompt, self.frozen, self.encoder, self.batch_size = prompt.eval(), frozen, encoder, batch_size
        self.prefix = bos_ids(frozen.tokenizer)
        base = frozen.signature
        self._signature = TeacherSignature(backend="softprompt", model=base.model,
                                           revision=f"{base.revision}+P:{prompt_hash(prompt)}", dtype=base.dtype,
                                           adapter=f"softsrv-{prompt.spec.name}-t{prompt.spec.tokens}",
                                           stand_in=base.stand_in, sampler=base.sampler)

    @property
    def signature(self) -> TeacherSignature:
        """Backend ``softprompt``; revision = frozen LLM fingerprint + P's weight hash."""
        return self._signature

    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        results: list[Generation | None] = [None] * len(requests)
        groups: dict[SamplingParams, list[int]] = {}
        for i, request in enumerate(requests):
            if request.prompt is None:
                raise ValueError("a soft-prompt request carries its context text as prompt=, not messages=")
            groups.setdefault(request.sampling, []).append(i)
        for sampling, positions in groups.items():
            for start in range(0, len(positions), self.batch_size):
                batch = positions[start:start + self.batch_size]
                for i, generation in zip(batch, self._batch([requests[i] for i in batch], sampling)):
                    results[i] = generation
                    if on_result:
                        on_result(i, generation)
        return results  # type: ignore[return-value]

    @property
    def prompt_length(self) -> int:
        """Positions the model reads before it writes: the special prefix and the t soft tokens."""
        return len(self.prefix) + self.prompt.spec.tokens

    def embeds(self, contexts: Sequence[str]):
        """[B, len(prefix) + t, d]: the special prefix's embeddings, then P(E(x)) per context."""
        import torch

        model = self.frozen.model
        embedding = model.get_input_embeddings()
        device = embedding.weight.device
        with torch.no_grad():
            soft = self.prompt.to(device)(self.encoder.encode(contexts).to(device)).to(embedding.weight.dtype)
            if not self.prefix:
                return soft
            prefix = embedding(torch.tensor(self.prefix, device=device)).unsqueeze(0).expand(len(contexts), -1, -1)
            return torch.cat([prefix, soft], dim=1)

    def _batch(self, requests: list[Request], sampling: SamplingParams) -> list[Generation]:
        tokenizer = self.frozen.tokenizer
        embeds = self.embeds([r.prompt for r in requests])
        rows = generate_from_embeddings(self.frozen.model, tokenizer, embeds, sampling,
                                        [r.effective_seed() for r in requests])
        out = []
        for ids in rows:
            stopped = bool(ids) and ids[-1] == tokenizer.eos_token_id
            text = tokenizer.decode(ids, skip_special_tokens=True).strip()
            cut = min((text.find(s) for s in sampling.stop if s in text), default=-1)
            text = text[:cut] if cut >= 0 else text
            out.append(Generation(text=text, prompt_tokens=int(embeds.shape[1]), completion_tokens=len(ids),
                                  finish_reason="stop" if stopped or cut >= 0 else "length"))
        return out
