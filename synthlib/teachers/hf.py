"""The ``hf`` backend: any local transformers causal or seq2seq model, batched.

Requests are grouped by sampling parameters, sorted by prompt length (so a batch pads little),
and run ``batch_size`` at a time, left-padded for causal models. Chat ``messages`` go through the
tokenizer's chat template when it has one. Stop strings end a row's generation as soon as its new
text contains one (:class:`StopOnStrings`) and are cut from the text.

Reproducible sampling, per request: instead of ``do_sample=True`` (one global RNG shared by the
whole batch, so a sample would depend on its batch-mates), :class:`PerRowSampler` adds Gumbel noise
that is a hash of the request's seed (from its ``(seed, sample_index)``), the step and the token
(:mod:`synthlib.teachers.noise`) to the temperature-, top-k- and top-p-processed logits, and greedy
decoding takes the arg-max: the Gumbel-max trick, an exact sample from the same distribution. Row
i's t-th token depends only on row i's seed, so a request returns the same text alone, in any batch,
at any batch size.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from synthlib.metrics.text import missing_keywords
from synthlib.teachers.base import (
    Generation,
    Request,
    ResultCallback,
    SamplingParams,
    Teacher,
    TeacherSignature,
    prefill_of,
)
from synthlib.teachers.noise import STREAM as NOISE_STREAM
from synthlib.tokens import leading_bos


class HFTeacher(Teacher):
    """A transformers model as a teacher.

    ``model`` is a hub id, a local path, or an already loaded model (then pass ``tokenizer`` and
    ``name``). ``batch_size`` and ``device`` are runtime settings and never enter the signature.
    """

    def __init__(self, model: Any, tokenizer: Any = None, name: str | None = None, batch_size: int = 16,
                 device: str | None = None, dtype: str = "float32", revision: str | None = None,
                 adapter: str | None = None, stand_in: bool = False, weight_hash: str | None = None):
        import torch

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        if isinstance(model, (str, Path)):
            name = name or str(model)
            model, tokenizer = _load(str(model), tokenizer, dtype, revision, adapter)
        if tokenizer is None or name is None:
            raise ValueError("a loaded model needs tokenizer= and name= as well")
        self.model = model.to(self.device).eval()
        from synthlib.teachers.kernels import speed_up_decode  # imports torch

        speed_up_decode(self.model)  # float32/bfloat16 on a CPU, and only where the results stay identical
        self.tokenizer = _prepare_tokenizer(tokenizer, self.model.config.is_encoder_decoder)
        self.seq2seq = bool(self.model.config.is_encoder_decoder)
        self._bos_text = "" if self.seq2seq else leading_bos(self.tokenizer)
        self._signature = TeacherSignature(
            backend="hf", model=name, revision=revision or weight_hash or _fingerprint(name, self.model),
            dtype=dtype, adapter=adapter or "", stand_in=stand_in, sampler=NOISE_STREAM)

    @property
    def signature(self) -> TeacherSignature:
        """Backend ``hf``, the model id or path, revision or weight hash, dtype and adapter."""
        return self._signature

    # -- prompts ------------------------------------------------------------------------------
    def render(self, request: Request) -> str:
        """The text the model sees: the chat template for messages (when the model has one).

        Messages that end with an assistant turn are *prefilled*: the model continues that turn
        (``continue_final_message``) instead of opening a new one, and the returned text starts
        with the prefill (see :func:`synthlib.teachers.base.prefill_of`).

        Causal models whose tokenizer marks the start of a text with a BOS token (Gemma) get it
        here, once: prompts are tokenized without special tokens, and Gemma without its ``<bos>``
        degenerates into repetition.
        """
        if request.messages is None:
            text = request.prompt or ""
        else:
            messages = list(request.messages)
            prefilled = messages[-1]["role"] == "assistant"
            if getattr(self.tokenizer, "chat_template", None):
                text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=not prefilled,
                                                          continue_final_message=prefilled)
            else:
                text = "\n".join(f"{m['role']}: {m['content']}" for m in messages) + ("" if prefilled else "\nassistant:")
        if self._bos_text and not text.startswith(self._bos_text):
            text = self._bos_text + text
        return text

    # -- generation ---------------------------------------------------------------------------
    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        results: list[Generation | None] = [None] * len(requests)
        for batch in self.plan(requests):
            group = [requests[i] for i in batch]
            if group[0].constraint:
                from synthlib.teachers.constrained import generate_constrained

                outputs = generate_constrained(self, group)
            else:
                outputs = self.generate_batch([self.render(r) for r in group], group)
            for i, generation in zip(batch, outputs, strict=False):
                generation.text = prefill_of(requests[i]) + generation.text  # the whole assistant turn
                results[i] = generation
                if on_result:
                    on_result(i, generation)
        return results  # type: ignore[return-value]

    def plan(self, requests: Sequence[Request]) -> list[list[int]]:
        """Batches of request positions: same sampling and constraint, similar prompt length."""
        groups: dict[tuple, list[int]] = {}
        for i, request in enumerate(requests):
            groups.setdefault((request.sampling, request.constraint), []).append(i)
        batches = []
        for positions in groups.values():
            lengths = {i: len(self.render(requests[i])) for i in positions}
            ordered = sorted(positions, key=lambda i: -lengths[i])  # longest first: memory peaks early
            batches += [ordered[s:s + self.batch_size] for s in range(0, len(ordered), self.batch_size)]
        return batches

    def prefill_prompts(self, prompts: list[str], answer_room: int = 512) -> tuple[Any, Any, Any]:
        """Prefill rendered prompts once (causal models): ``(cache, last logits, mask)`` for
        :meth:`generate_batch` ``after=`` (constrained decoding continues every field from it)."""
        from synthlib.teachers.decoding import prefill

        limit = _max_positions(self.model.config)
        # prompts longer than the window lose their start; the answer keeps up to answer_room positions
        encoded = self._encode(prompts, None if limit is None else max(limit // 2, limit - answer_room))
        return prefill(self.model, encoded["input_ids"], encoded["attention_mask"])

    def _encode(self, texts: list[str], room: int | None) -> dict[str, Any]:
        """Token ids and mask on the device, left-padded; longer than ``room``, a text loses its start."""
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=self.seq2seq,
                                 truncation=room is not None, max_length=room)
        return {k: v.to(self.device) for k, v in encoded.items() if k in ("input_ids", "attention_mask")}

    def generate_batch(self, prompts: list[str], requests: Sequence[Request], allowed_tokens: Any = None,
                       ban_until: tuple[int, Any] | None = None,
                       after: tuple[tuple[Any, Any, Any], list[int]] | None = None,
                       spans: tuple[Sequence[Sequence[int]], Any] | None = None,
                       avoid: tuple[Sequence[Sequence[Sequence[int]]], Any] | None = None,
                       holds: tuple[Sequence[Sequence[str]], Any] | None = None) -> list[Generation]:
        """One padded batch of prompts sharing one ``SamplingParams``: causal models decode through the
        lean loop of :mod:`synthlib.teachers.decoding`, seq2seq models through ``generate``.

        For constrained decoding: ``allowed_tokens`` (a bool tensor over the vocabulary) restricts
        every step; ``ban_until=(k, banned)`` forbids the ``banned`` tokens (stops, EOS) during
        new text until it holds ``k`` words, a minimum length. ``after=(prefilled, rows)`` continues
        rows of a :meth:`prefill_prompts` batch: ``prompts`` are then only what follows each prompt.
        ``spans=(ids per row, stops)`` makes each row's new tokens a contiguous run of its ids, ended by
        a ``stops`` token (a bool mask over the vocabulary: stop strings, EOS). ``avoid=(runs per row,
        stops)`` keeps each row's new tokens from spelling out any of its token runs (:class:`NoCopyOf`).
        ``holds=(phrases per row, stops)`` keeps a row from stopping before its new text holds all its
        phrases (:class:`HoldsAll`).
        """
        from transformers import LogitsProcessorList

        sampling = requests[0].sampling
        limit = _max_positions(self.model.config)
        room = None if limit is None else max(8, limit - (0 if self.seq2seq else sampling.max_new_tokens))
        encoded = self._encode(prompts, None if after is not None else room)
        start = None
        if after is not None:
            from synthlib.teachers.decoding import extend

            start = extend(self.model, after[0], after[1], encoded["input_ids"], encoded["attention_mask"])
        processors = LogitsProcessorList()
        if allowed_tokens is not None:
            processors.append(AllowedTokens(allowed_tokens.to(self.device)))
        if spans is not None and not self.seq2seq:
            processors.append(SpanOf(encoded["input_ids"].shape[1], spans[0], spans[1].to(self.device)))
        if avoid is not None and not self.seq2seq:
            processors.append(NoCopyOf(encoded["input_ids"].shape[1], avoid[0], avoid[1].to(self.device)))
        if holds is not None and not self.seq2seq:
            processors.append(HoldsAll(encoded["input_ids"].shape[1], holds[0], holds[1].to(self.device),
                                       self.tokenizer))
        if ban_until is not None and not self.seq2seq:
            processors.append(MinWords(encoded["input_ids"].shape[1], ban_until[0], ban_until[1].to(self.device),
                                       self.tokenizer))
        if self.seq2seq:
            return self._generate_seq2seq(encoded, processors, sampling, requests, len(prompts))
        from synthlib.teachers.decoding import FastSampler, decode, greedy, with_processors

        pick = greedy if sampling.greedy else FastSampler([r.effective_seed() for r in requests], sampling)
        stop = None
        if sampling.stop:
            criterion = StopOnStrings(encoded["input_ids"].shape[1], sampling.stop, self.tokenizer)
            stop = lambda sequences: criterion(sequences, None)  # noqa: E731
        new_tokens, lengths, logprobs = decode(
            self.model, encoded["input_ids"], encoded["attention_mask"], sampling.max_new_tokens,
            with_processors(list(processors), pick), self.tokenizer.eos_token_id, self.tokenizer.pad_token_id,
            stop=stop, keep_logprobs=sampling.logprobs, start=start)
        prompt_lengths = encoded["attention_mask"].sum(dim=1).tolist()
        return [self._finish(new_tokens[row, :int(lengths[row])], prompt_lengths[row], sampling,
                             None if logprobs is None else logprobs[row]) for row in range(len(prompts))]

    def _generate_seq2seq(self, encoded, processors, sampling: SamplingParams, requests: Sequence[Request],
                          count: int) -> list[Generation]:
        """Seq2seq models decode through ``generate`` with the per-row sampler as a logits processor."""
        import torch

        if not sampling.greedy:
            processors.append(PerRowSampler([r.effective_seed() for r in requests], sampling))
        kwargs: dict[str, Any] = dict(max_new_tokens=sampling.max_new_tokens, do_sample=False, num_beams=1,
                                      logits_processor=processors, return_dict_in_generate=True,
                                      output_logits=sampling.logprobs, pad_token_id=self.tokenizer.pad_token_id,
                                      eos_token_id=self.tokenizer.eos_token_id, temperature=None, top_p=None,
                                      top_k=None)
        if sampling.stop:
            from transformers import StoppingCriteriaList

            kwargs["stopping_criteria"] = StoppingCriteriaList([StopOnStrings(1, sampling.stop, self.tokenizer)])
        with torch.inference_mode():
            output = self.model.generate(**encoded, **kwargs)
        new_tokens = output.sequences[:, 1:]  # drop the decoder start token
        prompt_lengths = encoded["attention_mask"].sum(dim=1).tolist()
        logprobs = None
        if sampling.logprobs:
            steps = torch.log_softmax(torch.stack(output.logits, dim=1).float(), dim=-1)
            logprobs = steps.gather(2, new_tokens[:, :steps.shape[1], None]).squeeze(2)
        return [self._finish(new_tokens[row], prompt_lengths[row], sampling,
                             None if logprobs is None else logprobs[row]) for row in range(count)]

    def _finish(self, tokens, prompt_length: int, sampling: SamplingParams, logprobs) -> Generation:
        """Trim padding and stop strings; count tokens; attach log-probabilities if asked."""
        ids = tokens.tolist()
        eos = self.tokenizer.eos_token_id
        finish = "length"
        if eos in ids:
            ids, finish = ids[:ids.index(eos)], "stop"
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        cut = min((text.find(s) for s in sampling.stop if s in text), default=-1)
        if cut >= 0:
            text, finish = text[:cut], "stop"
        if logprobs is not None:
            logprobs = [float(x) for x in logprobs[:len(ids)].tolist()]
        return Generation(text=text, prompt_tokens=int(prompt_length), completion_tokens=len(ids),
                          finish_reason=finish, logprobs=logprobs)


class PerRowSampler:
    """Logits processor: temperature, top-k, top-p, then per-row Gumbel noise (see module doc)."""

    def __init__(self, seeds: list[int], sampling: SamplingParams):
        from synthlib.teachers.noise import CounterNoise

        self.noise = CounterNoise(seeds)
        self.sampling = sampling

    def __call__(self, input_ids, scores):
        import torch

        s = self.sampling
        scores = scores.float() / s.temperature
        if s.top_k and s.top_k < scores.shape[-1]:
            kth = torch.topk(scores, s.top_k, dim=-1).values[:, -1:]
            scores = scores.masked_fill(scores < kth, -math.inf)
        if s.top_p < 1.0:
            scores = _top_p(scores, s.top_p)
        self.noise.next_step()
        return scores + self.noise.gumbel_all(scores.shape[-1], scores.device)


class AllowedTokens:
    """Logits processor that masks every token outside ``allowed`` (a bool vector or per-row matrix)."""

    def __init__(self, allowed):
        self.allowed = allowed

    def __call__(self, input_ids, scores):
        allowed = self.allowed[..., : scores.shape[-1]]
        return scores.masked_fill(~allowed, -math.inf)


class SpanOf:
    """Logits processor: each row's new tokens stay a contiguous run of that row's ``spans`` ids.

    The first new token may be any of them; every later one must follow the run written so far at
    one of its occurrences, or be a ``stops`` token (stop strings, EOS) that ends the span. A row
    whose ids are empty may only stop.
    """

    def __init__(self, prompt_width: int, spans: Sequence[Sequence[int]], stops):
        self.prompt_width, self.spans, self.not_stops = prompt_width, [list(s) for s in spans], ~stops

    def __call__(self, input_ids, scores):
        import torch

        blocked = torch.ones_like(scores, dtype=torch.bool)
        new = input_ids[:, self.prompt_width:].tolist()
        for row, (ids, written) in enumerate(zip(self.spans, new, strict=True)):
            nexts = _continuations(ids, written)
            if nexts:
                blocked[row, nexts] = False
            if written or not nexts:
                blocked[row] &= self.not_stops[: scores.shape[-1]]
        return scores.masked_fill(blocked, -math.inf)


class NoCopyOf:
    """Logits processor: each row's new tokens may not spell out one of that row's earlier token runs
    (a question already asked), nor more than its first half. A field may open as an earlier one did
    ("Does the summary say that"); once its tokens have followed a run for half its length, the token
    that would continue the run is masked, and a field equal to a whole run may not stop there.
    """

    def __init__(self, prompt_width: int, runs: Sequence[Sequence[Sequence[int]]], stops):
        self.prompt_width, self.runs, self.stops = prompt_width, [[list(r) for r in row] for row in runs], stops

    def __call__(self, input_ids, scores):
        import torch

        blocked = torch.zeros_like(scores, dtype=torch.bool)
        new = input_ids[:, self.prompt_width:].tolist()
        for row, (runs, written) in enumerate(zip(self.runs, new, strict=True)):
            width = len(written)
            nexts = sorted({run[width] for run in runs if len(run) > width >= len(run) // 2 and run[:width] == written})
            if nexts:
                blocked[row, nexts] = True
            if written in runs:
                blocked[row] |= self.stops[: scores.shape[-1]]
        return scores.masked_fill(blocked, -math.inf)


def _continuations(ids: list[int], written: list[int]) -> list[int]:
    """Token ids that extend ``written`` to a longer contiguous run of ``ids`` (all of ``ids`` when empty)."""
    if not written:
        return sorted(set(ids))
    width = len(written)
    return sorted({ids[i + width] for i in range(len(ids) - width) if ids[i:i + width] == written})


class StopOnStrings:
    """Stopping criterion: a row is done once its NEW text contains a stop string.

    (transformers' own ``stop_strings`` also matches across the prompt boundary, which the
    OpenAI semantics we follow do not.)
    """

    def __init__(self, prompt_width: int, stops: tuple[str, ...], tokenizer):
        self.prompt_width, self.stops, self.tokenizer = prompt_width, stops, tokenizer

    def __call__(self, input_ids, scores, **kwargs):
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_width:], skip_special_tokens=True)
        return torch_bool([any(stop in text for stop in self.stops) for text in texts], input_ids.device)


class MinWords:
    """Logits processor: a row may not use the ``banned`` tokens (stops, EOS) before its new text
    holds ``words`` words."""

    def __init__(self, prompt_width: int, words: int, banned, tokenizer):
        self.prompt_width, self.words, self.banned, self.tokenizer = prompt_width, words, banned, tokenizer

    def __call__(self, input_ids, scores):
        new = input_ids[:, self.prompt_width:]
        short = [len(self.tokenizer.decode(row, skip_special_tokens=True).split()) < self.words for row in new]
        return _ban(scores, short, self.banned)


def _ban(scores, rows: list[bool], banned):
    """``scores`` with the ``banned`` tokens masked in the rows flagged True."""
    if not any(rows):
        return scores
    flagged = torch_bool(rows, scores.device)[:, None]
    return scores.masked_fill(flagged & banned[None, : scores.shape[-1]], -math.inf)


class HoldsAll:
    """Logits processor: a row may not use the ``banned`` tokens (stops, EOS) while its new text misses
    one of its ``phrases`` (whole words, any case: :func:`~synthlib.metrics.text.keyword_inclusion`),
    and the tokens that open a missing phrase, or go on with one the text has begun, get ``pull``
    added to their logits. A summary keeps writing until it holds the keywords it was written for, or
    its token budget ends; the model still picks every word, and where each keyword goes.
    """

    #: logit bonus of a missing phrase's next token. On captransfer's 16 articles Qwen2.5-Coder-0.5B held
    #: all five keywords in 3 summaries with the stop ban alone (it wrote on to the budget without them),
    #: 9 with a pull of 1.5 and 13 with 3.0; starting the pull after 10 free words kept 8 (9 at 128 tokens)
    pull = 3.0

    def __init__(self, prompt_width: int, phrases: Sequence[Sequence[str]], banned, tokenizer):
        self.prompt_width, self.phrases, self.banned, self.tokenizer = prompt_width, phrases, banned, tokenizer
        self.runs = {p: _phrase_runs(tokenizer, p) for row in phrases for p in row}

    def __call__(self, input_ids, scores):
        new = input_ids[:, self.prompt_width:].tolist()
        missing_rows, bonus = [], []
        for row, (needs, written) in enumerate(zip(self.phrases, new, strict=True)):
            missing = missing_keywords(self.tokenizer.decode(written, skip_special_tokens=True), needs)
            missing_rows.append(bool(missing))
            bonus += [(row, token) for p in missing for token in _next_of_runs(self.runs[p], written)]
        scores = _ban(scores, missing_rows, self.banned)
        if bonus:
            rows_, tokens = zip(*sorted(set(bonus)), strict=True)
            scores = scores.clone()
            scores[list(rows_), list(tokens)] += self.pull
        return scores


def _phrase_runs(tokenizer, phrase: str) -> list[list[int]]:
    """The token runs a phrase is written as mid-sentence: after a space, as given, lower-cased or capitalized."""
    forms = {phrase, phrase.lower(), phrase[:1].upper() + phrase[1:]}
    return [ids for form in sorted(forms) if (ids := tokenizer(" " + form, add_special_tokens=False)["input_ids"])]


def _next_of_runs(runs: list[list[int]], written: list[int]) -> set[int]:
    """Tokens that open one of ``runs`` or continue it where ``written`` ends with its first k tokens."""
    tokens = {run[0] for run in runs}
    for run in runs:
        tokens.update(run[k] for k in range(1, len(run)) if written[-k:] == run[:k])
    return tokens


def torch_bool(values: list[bool], device):
    """A bool tensor on ``device``."""
    import torch

    return torch.tensor(values, dtype=torch.bool, device=device)


def _top_p(scores, top_p: float):
    import torch

    ordered, index = torch.sort(scores, descending=True, dim=-1)
    cumulative = torch.softmax(ordered, dim=-1).cumsum(dim=-1)
    drop = cumulative - torch.softmax(ordered, dim=-1) >= top_p  # keep the token that crosses top_p
    return scores.masked_fill(drop.scatter(1, index, drop), -math.inf)


def fast_dtype(device: str | None = None) -> str:
    """The faster weight dtype for sampling here: bfloat16 on CUDA and on CPUs with native bf16
    matmuls (AVX512-BF16 or AMX), else float32 (emulated bf16 is slower than float32).

    On this project's 2-core AVX512-BF16 machines bfloat16 samples gemma-3-270m faster than
    float32 (see benchmarks/teacher_roofline.py). The dtype is part of a teacher's signature.
    """
    import torch

    if (device or ("cuda" if torch.cuda.is_available() else "cpu")).startswith("cuda"):
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "").split()
    except OSError:
        return "float32"
    return "bfloat16" if {"avx512_bf16", "amx_bf16"} & set(flags) else "float32"


def _max_positions(config) -> int | None:
    for name in ("n_positions", "max_position_embeddings"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _prepare_tokenizer(tokenizer, seq2seq: bool):
    import copy

    # our own copy: the padding side is per model kind, and a tokenizer object can be shared (the tiny test
    # models share one; a T5 teacher would otherwise switch a GPT-2 teacher's batches to right padding)
    tokenizer = copy.copy(tokenizer)
    tokenizer.truncation_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right" if seq2seq else "left"  # causal models continue from the right edge
    return tokenizer


def _load(name: str, tokenizer: Any, dtype: str, revision: str | None, adapter: str | None):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    config = AutoConfig.from_pretrained(name, revision=revision)
    cls = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
    model = cls.from_pretrained(name, revision=revision, dtype=getattr(torch, dtype))
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    return model, tokenizer or AutoTokenizer.from_pretrained(name, revision=revision)


def _fingerprint(name: str, model) -> str:
    """A weight hash: the hub commit when known, else sha256 over the weight files' head, tail and size."""
    commit = getattr(model.config, "_commit_hash", None)
    if commit:
        return commit
    folder = Path(name).expanduser()
    files = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) if folder.is_dir() else []
    if files:
        return weight_files_hash(files)
    digest = hashlib.sha256()  # an in-memory model: hash the tensors themselves
    for key, tensor in sorted(model.state_dict().items()):
        digest.update(key.encode() + tensor.detach().cpu().float().numpy().tobytes())
    return "sha256:" + digest.hexdigest()[:16]


def weight_files_hash(files: Sequence[Path]) -> str:
    """sha256 over each weight file's first and last MiB and size: fast on multi-GB checkpoints, and it
    changes when the weights do."""
    digest = hashlib.sha256()
    for path in files:
        size = path.stat().st_size
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            handle.seek(max(0, size - (1 << 20)))
            digest.update(handle.read(1 << 20) + str(size).encode())
    return "sha256:" + digest.hexdigest()[:16]


def tiny_random_teacher(name: str = "tiny-random-gpt2", seed: int = 0, **runtime: Any) -> HFTeacher:
    """A randomly initialised 2-layer GPT-2 or T5 with a small BPE tokenizer: tests and benchmarks only."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, T5Config, T5ForConditionalGeneration

    from synthlib.teachers.tokenizer import builtin_tokenizer

    tokenizer = builtin_tokenizer()
    torch.manual_seed(seed)
    vocab = len(tokenizer)
    if name == "tiny-random-gpt2":
        model = GPT2LMHeadModel(GPT2Config(vocab_size=vocab, n_positions=512, n_embd=64, n_layer=2, n_head=2,
                                           bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id))
    elif name == "tiny-random-t5":
        model = T5ForConditionalGeneration(T5Config(
            vocab_size=vocab, d_model=64, d_ff=128, d_kv=16, num_layers=2, num_heads=2,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.pad_token_id))
    else:
        raise ValueError(f"'{name}' is not a tiny random generator; use tiny-random-gpt2 or tiny-random-t5")
    return HFTeacher(model, tokenizer, name=name, stand_in=True, **runtime)
