"""A lean decode loop for causal LMs, and a sampler that never sorts the whole vocabulary.

``transformers``' ``generate`` is general; for a batch of seeded samples from a 262k-token model on
a CPU most of its time goes elsewhere than the weights. :func:`decode` keeps only what the hf
backend needs: one prefill, then one forward per new token on a KV cache. In float32, rows whose
prompts share a token prefix (a few-shot block) prefill that prefix once and copy its cache to
every row (in bfloat16 that split would change samples; see :func:`prefill`). Each
step hands the last logits (float32) to a ``choose`` callable, checks stop criteria, and ends as soon
as every row is done. Rows that are done keep decoding the pad token (as ``generate`` does), so a
row's computation does not depend on when its batch-mates finish.

:class:`FastSampler` returns the same token as the per-row Gumbel-max sampler in
:mod:`synthlib.teachers.hf` (same seeds, same noise) at a fraction of the cost: top-k and top-p are
computed on the ``CANDIDATES`` most likely tokens (sorting 262k logits per row per step was most of
the step), then on 16 times as many for rows whose top-p mass lies beyond them (a base model at
temperature 1 spreads its mass thinly), and only then on a full sort. The Gumbel noise is
counter-based (:mod:`synthlib.teachers.noise`): computed for the candidates alone, where a
generator's stream had to be drawn for the whole vocabulary at every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

#: logits examined per row in the first top-p pass (gemma-3-270m at temperature 1 needs under 1,024 for
#: top-p 0.95 in about 9 rows of 10; the second pass, 16 times wider, covered every row we measured)
CANDIDATES = 1024


def decode(model: Any, input_ids: Any, attention_mask: Any, max_new_tokens: int,
           choose: Callable[[Any, Any], Any], eos_token_id: int | None, pad_token_id: int,
           stop: Callable[[Any], Any] | None = None, keep_logprobs: bool = False,
           start: tuple[Any, Any, Any] | None = None) -> tuple[Any, Any, Any]:
    """Sample up to ``max_new_tokens`` tokens per row of a left-padded batch.

    ``choose(sequences, scores)`` maps the float32 logits of the last position (rows x vocabulary)
    to the next token per row; ``stop(sequences)`` (optional) flags rows whose new text is complete.
    Returns ``(new_tokens, lengths, logprobs)``: new tokens (rows x steps, pad after a row ends), the
    number of tokens each row generated (its EOS included), and when ``keep_logprobs`` the
    log-probability of each chosen token under the raw logits (rows x steps), else None.
    ``start`` is an already prefilled ``(cache, last logits, mask)`` (see :func:`extend`); the
    ``input_ids`` are then only the tokens that prefill ended with, for the stop and length checks.
    """
    import torch

    rows = input_ids.shape[0]
    cache, logits, mask = start if start is not None else prefill(model, input_ids, attention_mask)
    position = mask.long().sum(dim=1, keepdim=True) - 1  # each row's last position (left padding)
    sequences = input_ids
    done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
    lengths = torch.zeros(rows, dtype=torch.long, device=input_ids.device)
    new_tokens, logprobs = [], []
    for step in range(max_new_tokens):
        scores = logits[:, -1, :].float()
        token = choose(sequences, scores)
        token = torch.where(done, torch.full_like(token, pad_token_id), token)
        if keep_logprobs:
            logprobs.append(torch.log_softmax(scores, dim=-1).gather(1, token[:, None]).squeeze(1))
        lengths += (~done).long()
        new_tokens.append(token)
        sequences = torch.cat([sequences, token[:, None]], dim=1)
        if eos_token_id is not None:
            done |= token == eos_token_id
        if stop is not None:
            done |= stop(sequences).to(done.device)
        if bool(done.all()) or step == max_new_tokens - 1:
            break
        mask = torch.cat([mask, mask.new_ones(rows, 1)], dim=1)
        position = position + 1
        with torch.inference_mode():
            logits = model(input_ids=token[:, None], attention_mask=mask, position_ids=position,
                           past_key_values=cache, use_cache=True).logits
    tokens = torch.stack(new_tokens, dim=1)
    return tokens, lengths, torch.stack(logprobs, dim=1) if keep_logprobs else None


def prefill(model: Any, input_ids: Any, attention_mask: Any) -> tuple[Any, Any, Any]:
    """Run the prompts once; returns the cache, the last logits and the attention mask to extend.

    A token prefix that every row's prompt starts with (a shared few-shot block) runs once, at
    batch 1, and its cache is copied to every row; the rows then prefill only their own suffixes,
    left-padded after the prefix (``[prefix][pad][suffix]``: the mask hides the pads and position
    ids continue across them).
    """
    import torch
    from transformers import DynamicCache

    rows = input_ids.shape[0]
    # a model that keeps its own cache (the llamacpp backend's sequences) makes it; transformers models get
    # a DynamicCache
    cache = model.new_cache() if hasattr(model, "new_cache") else DynamicCache(config=model.config)
    prompts = [ids[keep.bool()] for ids, keep in zip(input_ids, attention_mask, strict=True)]
    # in bfloat16/float16 a prompt prefilled in two pieces rounds differently from one pass, enough
    # to change samples, and whether a prompt is split would depend on its batch-mates: share only
    # in float32, where a request still samples the same text alone or in any batch
    exact = next(model.parameters()).dtype == torch.float32
    shared = shared_prefix(prompts) if rows > 1 and exact else 0
    with torch.inference_mode():
        if shared:
            model(input_ids=prompts[0][None, :shared], past_key_values=cache, use_cache=True, logits_to_keep=1)
            cache.batch_repeat_interleave(rows)
            suffix_ids, suffix_mask = left_pad([p[shared:] for p in prompts], input_ids)
            attention_mask = torch.cat([attention_mask.new_ones(rows, shared), suffix_mask.to(attention_mask)], 1)
            input_ids = torch.cat([prompts[0][None, :shared].expand(rows, -1), suffix_ids], dim=1)
        position = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)
        out = model(input_ids=input_ids[:, shared:], attention_mask=attention_mask,
                    position_ids=position[:, shared:], past_key_values=cache, use_cache=True, logits_to_keep=1)
    return cache, out.logits, attention_mask


def extend(model: Any, start: tuple[Any, Any, Any], rows: list[int], suffix_ids: Any, suffix_mask: Any):
    """A copy of a prefilled batch (``(cache, last logits, mask)`` from :func:`prefill`), cut to ``rows``,
    with left-padded suffix tokens prefilled on top: ``[prompt][pad][suffix]``, the mask hiding the pads
    and position ids continuing across them. Every row needs at least one suffix token, or none has any.
    The prompts' cache is never changed, so one prefill serves every field of a constrained answer.
    """
    import copy

    import torch

    cache, logits, mask = start
    cache = copy.deepcopy(cache)
    index = torch.tensor(rows, device=mask.device)
    cache.batch_select_indices(index)
    logits, mask = logits[index], mask[index]
    if suffix_ids.shape[1] == 0:
        return cache, logits, mask
    if not bool(suffix_mask[:, -1].all()):
        raise ValueError("extend: every row needs a suffix token at its last (left-padded) position")
    full = torch.cat([mask, suffix_mask.to(mask)], dim=1)
    position = (full.long().cumsum(-1) - 1).clamp(min=0)[:, mask.shape[1]:]
    with torch.inference_mode():
        out = model(input_ids=suffix_ids, attention_mask=full, position_ids=position, past_key_values=cache,
                    use_cache=True, logits_to_keep=1)
    return cache, out.logits, full


def shared_prefix(prompts: list[Any], minimum: int = 16) -> int:
    """Number of leading tokens every prompt shares (0 when under ``minimum``, not worth a pass).

    Each row keeps at least one token of its own to prefill.
    """
    import torch

    length = min(len(p) for p in prompts) - 1
    if length < minimum:
        return 0
    head = torch.stack([p[:length] for p in prompts])
    differs = (head != head[:1]).any(dim=0).nonzero()
    length = int(differs[0]) if len(differs) else length
    return length if length >= minimum else 0


def left_pad(rows: list[Any], like: Any) -> tuple[Any, Any]:
    """Token rows left-padded to one width (pad id 0: masked anyway), and their mask."""
    import torch

    width = max(len(r) for r in rows)
    ids = like.new_zeros(len(rows), width)
    mask = torch.zeros(len(rows), width, dtype=torch.long, device=like.device)
    for i, row in enumerate(rows):
        ids[i, width - len(row):] = row
        mask[i, width - len(row):] = 1
    return ids, mask


class FastSampler:
    """Temperature, top-k and top-p, then per-row Gumbel-max: the same tokens as ``PerRowSampler``.

    ``__call__`` returns the chosen token of each row (not processed logits). The noise is
    counter-based (:mod:`synthlib.teachers.noise`), so it is computed only for the candidates that
    can win, and is the very noise ``PerRowSampler`` adds to every token.
    """

    def __init__(self, seeds: list[int], sampling: Any, candidates: int = CANDIDATES):
        from synthlib.teachers.noise import CounterNoise

        self.noise = CounterNoise(seeds)
        self.sampling = sampling
        self.candidates = candidates

    def __call__(self, sequences: Any, scores: Any) -> Any:
        import torch

        s = self.sampling
        self.noise.next_step()
        scores = scores.float()
        if s.temperature != 1.0:  # dividing by 1 changes nothing: skip a pass over the vocabulary
            scores = scores / s.temperature
        vocab = scores.shape[-1]
        if s.top_k and s.top_k < vocab:
            kth = torch.topk(scores, s.top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, -math.inf)
        if s.top_p >= 1.0 and not (s.top_k and s.top_k < vocab):
            return self._untruncated(scores)  # every token may win
        # top-p needs each candidate's probability: one log-normaliser per row, not a full softmax
        normaliser = torch.logsumexp(scores, dim=-1, keepdim=True) if s.top_p < 1.0 else None
        chosen = torch.empty(scores.shape[0], dtype=torch.long, device=scores.device)
        rows = torch.arange(scores.shape[0], device=scores.device)
        for width in (self.candidates, 16 * self.candidates):  # a flat distribution needs the wider pass
            width = min(vocab, max(width, s.top_k))
            values, index = torch.topk(_take(scores, rows), width, dim=-1)  # sorted, most likely first
            settled = torch.ones(len(rows), dtype=torch.bool, device=scores.device)
            if normaliser is not None:
                mass = torch.exp(values - _take(normaliser, rows))
                drop = mass.cumsum(dim=-1) - mass >= s.top_p  # keep the token that crosses top_p
                values = values.masked_fill(drop, -math.inf)
                settled = drop[:, -1] | (width == vocab)  # else top-p mass lies beyond the candidates
            noise = self.noise.gumbel(index, rows.tolist())
            picked = index.gather(1, (values + noise).argmax(dim=-1, keepdim=True)).squeeze(1)
            chosen[rows[settled]] = picked[settled]
            rows = rows[~settled]
            if not len(rows):
                return chosen
        from synthlib.teachers.hf import _top_p

        noise = self.noise.gumbel_all(vocab, scores.device, rows.tolist())
        chosen[rows] = (_top_p(scores[rows], s.top_p) + noise).argmax(dim=-1)
        return chosen

    def _untruncated(self, scores: Any) -> Any:
        """Gumbel-max over the whole vocabulary, with noise computed only where a token can still win.

        No noise value exceeds ``MAX_GUMBEL``, so once the candidates' best noisy score is known, a
        token scored more than that below it cannot win; the rest get their noise and the arg-max
        runs over the full width (unreached tokens at -inf), which is exactly the reference's pick.
        """
        import torch

        from synthlib.teachers.noise import MAX_GUMBEL

        values, index = torch.topk(scores, min(self.candidates, scores.shape[-1]), dim=-1)
        best = (values + self.noise.gumbel(index)).max(dim=-1, keepdim=True).values
        # the margin covers float32 rounding of score + noise (scores are far below 1e4 in magnitude)
        rows, tokens = (scores >= best - (MAX_GUMBEL + 0.01)).nonzero(as_tuple=True)
        noisy = torch.full_like(scores, -math.inf)
        noisy[rows, tokens] = scores[rows, tokens] + self.noise.gumbel_at(rows, tokens)
        return noisy.argmax(dim=-1)


def _take(matrix: Any, rows: Any) -> Any:
    """``matrix[rows]``, without a copy when ``rows`` is every row in order (the usual case: a copy of
    a 16 x 262k matrix is a pass over 16 MB)."""
    return matrix if len(rows) == matrix.shape[0] else matrix[rows]


def greedy(sequences: Any, scores: Any) -> Any:
    """The most likely token per row."""
    return scores.argmax(dim=-1)


def with_processors(processors: list[Callable[[Any, Any], Any]], pick: Callable[[Any, Any], Any]):
    """A ``choose`` that applies logits processors (masks) before ``pick``."""

    def choose(sequences: Any, scores: Any) -> Any:
        for processor in processors:
            scores = processor(sequences, scores)
        return pick(sequences, scores)

    return choose
