"""Constrained decoding for causal hf models: force a format's skeleton, generate only its fields.

For a request with ``constraint=<format name>`` (``synthlib.tasks.formats``) the decoder walks the
format's segments. Literal segments (tags, JSON punctuation) are appended as they are; a ``text``
field is generated until one of its stop strings; a ``number`` field may only use digit tokens; a
``choice`` field is sampled among its options by their sequence log-probability under the model
(temperature applies; temperature 0 takes the most likely). The model therefore decides every
word of content while the format cannot break, which is what lets a small stand-in feed the
pipelines parseable data. Rows of a batch advance segment by segment together.

Byte-level BPE attaches a space to the word after it, so a literal's trailing space is held back
and handed to the next field (the model sees ``[label]`` and writes `` positive``), exactly as the
rendered training text was tokenized.

Seeds: field k of a request samples with ``derive_seed(request.effective_seed(), k)``, so outputs
are reproducible per request, independent of batch-mates.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from synthlib.tasks.formats import Segment, get_format
from synthlib.teachers.base import Generation, Request, derive_seed

RETRIES = 3

if TYPE_CHECKING:
    from synthlib.teachers.hf import HFTeacher


def generate_constrained(teacher: HFTeacher, requests: Sequence[Request]) -> list[Generation]:
    """Answer requests that share one constraint and one ``SamplingParams``, format guaranteed."""
    if teacher.seq2seq:
        raise ValueError("constrained decoding needs a causal LM; drop constraint= for seq2seq teachers")
    fmt = get_format(requests[0].constraint or "")
    prompts = [teacher.render(r) for r in requests]
    written = ["" for _ in requests]
    tokens = [0 for _ in requests]
    hold = ""  # whitespace held back from the last literal
    items: list[list[str]] = [[] for _ in requests]  # items of the list field being written, per row
    for index, segment in enumerate(fmt.segments):
        if segment.kind != "literal" and segment.item in (None, 0):
            items = [[] for _ in requests]
        if segment.kind == "literal":
            stripped = segment.text.rstrip(" ")
            hold = segment.text[len(stripped):]
            written = [w + stripped for w in written]
            continue
        contexts = [p + w for p, w in zip(prompts, written, strict=False)]
        seeds = [derive_seed(r.effective_seed(), index) for r in requests]
        if segment.kind == "choice":
            pieces, used = _choose(teacher, contexts, segment, hold, requests[0], seeds)
        else:
            pieces, used = _free(teacher, contexts, segment, hold, requests[0], seeds, items)
        if segment.item is not None:
            for row, piece in enumerate(pieces):
                items[row].append(piece.strip().lower())
        written = [w + piece for w, piece in zip(written, pieces, strict=False)]
        tokens = [t + u for t, u in zip(tokens, used, strict=False)]
        hold = ""
    prompt_tokens = [len(teacher.tokenizer(p)["input_ids"]) for p in prompts]
    return [Generation(text=w, prompt_tokens=p, completion_tokens=t, finish_reason="stop",
                       metadata={"constrained": fmt.name}) for w, p, t in zip(written, prompt_tokens, tokens, strict=False)]


def _free(teacher, contexts, segment: Segment, hold: str, request: Request, seeds,
          items: list[list[str]]) -> tuple[list[str], list[int]]:
    """Generate a text or number field until a stop string (numbers: digit tokens only).

    A row whose field came out empty, or (list items) repeats an earlier item, is drawn again
    with a derived seed, up to :data:`RETRIES` times: a non-empty, distinct field is part of the
    constraint. What is still bad after that is left for the parser to reject and count.
    """
    sampling = dataclasses.replace(request.sampling, max_new_tokens=segment.max_tokens, stop=segment.stops,
                                   logprobs=False)
    allowed = _digit_tokens(teacher) if segment.kind == "number" else None
    pieces, used = [""] * len(contexts), [0] * len(contexts)
    todo = list(range(len(contexts)))
    for attempt in range(RETRIES + 1):
        subs = [Request(prompt=contexts[r], sampling=sampling, seed=derive_seed(seeds[r], attempt)) for r in todo]
        outputs = teacher.generate_batch([contexts[r] for r in todo], subs, allowed_tokens=allowed)
        for row, output in zip(todo, outputs, strict=False):
            text = output.text.strip()
            pieces[row] = hold + text if text else ""
            used[row] += output.completion_tokens
        todo = [r for r in todo if not pieces[r] or pieces[r].strip().lower() in items[r]]
        if not todo or sampling.greedy:
            break
    return pieces, used


def _choose(teacher, contexts, segment: Segment, hold: str, request: Request, seeds) -> tuple[list[str], list[int]]:
    """Sample one option per row from the softmax of the options' sequence log-probabilities."""
    import torch

    options = [hold + option for option in segment.options]
    scores, lengths = _option_logprobs(teacher, contexts, options)
    pieces, used = [], []
    temperature = request.sampling.temperature
    for row, seed in enumerate(seeds):
        if temperature == 0:
            pick = int(torch.argmax(scores[row]))
        else:
            probs = torch.softmax(scores[row] / temperature, dim=-1)
            pick = int(torch.multinomial(probs, 1, generator=torch.Generator().manual_seed(seed)))
        pieces.append(options[pick])
        used.append(lengths[row][pick])
    return pieces, used


def _option_logprobs(teacher, contexts: list[str], options: list[str]):
    """Sum of log-probabilities of each option's tokens after each context: (rows, options)."""
    import torch

    from synthlib.teachers.hf import _max_positions

    tok = teacher.tokenizer
    limit = _max_positions(teacher.model.config) or 10**9
    sequences, spans = [], []
    for context in contexts:
        start = len(tok(context)["input_ids"])
        for option in options:
            ids = tok(context + option)["input_ids"]
            cut = max(0, len(ids) - limit)  # too long for the window: drop the prompt's start
            sequences.append(ids[cut:])
            spans.append((start - cut, len(ids) - cut))
    width = max(len(ids) for ids in sequences)
    pad = tok.pad_token_id
    input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids in sequences], device=teacher.device)
    mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in sequences], device=teacher.device)
    with torch.inference_mode():
        logits = teacher.model(input_ids=input_ids, attention_mask=mask).logits.float()
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(2, input_ids[:, 1:, None]).squeeze(2)
    totals = []
    for row, (start, end) in enumerate(spans):
        totals.append(float(logprobs[row, start - 1:end - 1].sum()) if end > start else -math.inf)
    scores = torch.tensor(totals).view(len(contexts), len(options))
    lengths = [[end - start for start, end in spans[r * len(options):(r + 1) * len(options)]]
               for r in range(len(contexts))]
    return scores, lengths


def _digit_tokens(teacher):
    """Bool mask over the vocabulary: tokens that are digits (with an optional leading space), EOS, newline."""
    cached = getattr(teacher, "_digit_mask", None)
    if cached is not None:
        return cached
    import torch

    tok = teacher.tokenizer
    size = max(len(tok), teacher.model.config.vocab_size)
    mask = torch.zeros(size, dtype=torch.bool)
    for token_id in range(len(tok)):
        text = tok.decode([token_id])
        if text.lstrip(" ").isdigit() or text == "\n":
            mask[token_id] = True
    mask[tok.eos_token_id] = True
    teacher._digit_mask = mask
    return mask
