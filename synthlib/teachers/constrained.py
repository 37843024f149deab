"""Constrained decoding for causal hf models: force a format's skeleton, generate only its fields.

For a request with ``constraint=<format name>`` (``synthlib.tasks.formats``) the decoder walks the
format's segments. Literal segments (tags, JSON punctuation) are appended as they are; a ``text``
field is generated until one of its stop strings; a ``number`` field may only use digit tokens; a
``choice`` field is sampled among its options by their sequence log-probability under the model
(temperature applies; temperature 0 takes the most likely); a ``span`` field may only continue a
run of its source field's tokens (an extractive answer is a piece of the context it was written
after, by construction). Text fields may only use tokens that
decode to readable text, and may not stop (stop strings, EOS) before they hold the format's minimum
number of words; an empty or repeated field, one still under that minimum (a "question" that is one
long number), or one copied from the instruction (the parser's ``echoed prompt``: a summary that is
the article's lead, a hypothesis that is its premise) is drawn again (``RETRIES``). A field of a
format's ``distinct`` group (``summary_qa``'s questions) may not follow an earlier field of the group
token for token past half its length (``NoCopyOf``). A field the format says ``contains`` a list's
items (``keywords_summary``'s summary) may not stop before it holds all of them (``HoldsAll``), and
is drawn again if its budget ends first. The model therefore decides every word of
content while the format cannot break, which is what lets a small model feed the pipelines
parseable data. Rows of a batch advance segment by segment together.

Byte-level BPE attaches a space to the word after it, so a literal's trailing space is held back
and handed to the next field (the model sees ``[label]`` and writes `` positive``), exactly as the
rendered training text was tokenized.

Seeds: field k of a request samples with ``derive_seed(request.effective_seed(), k)``, so outputs
are reproducible per request, independent of batch-mates.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from synthlib.metrics.text import missing_keywords
from synthlib.tasks.formats import _GARBLED, Segment, get_format, text_key
from synthlib.teachers.base import Generation, Request, derive_seed, instruction_of
from synthlib.teachers.parsing import echoes_prompt

RETRIES = 3
_WORD = re.compile(r"\w")

if TYPE_CHECKING:
    from synthlib.teachers.hf import HFTeacher


def generate_constrained(teacher: HFTeacher, requests: Sequence[Request]) -> list[Generation]:
    """Answer requests that share one constraint and one ``SamplingParams``, format guaranteed."""
    if teacher.seq2seq:
        raise ValueError("constrained decoding needs a causal LM; drop constraint= for seq2seq teachers")
    fmt = get_format(requests[0].constraint or "")
    prompts = [teacher.render(r) for r in requests]
    instructions = [instruction_of(r) for r in requests]  # what the parser's echo check compares against
    prefilled = teacher.prefill_prompts(prompts)  # once: every field continues it from a copy of its cache
    written = ["" for _ in requests]
    tokens = [0 for _ in requests]
    hold = ""  # whitespace held back from the last literal
    items: list[list[str]] = [[] for _ in requests]  # items of the list field being written, per row
    values: list[dict[str, str]] = [{} for _ in requests]  # each row's fields so far (span sources)
    for index, segment in enumerate(fmt.segments):
        if segment.kind != "literal" and segment.item in (None, 0):
            items = [[] for _ in requests]
        # a field of a distinct group may not repeat (or copy) the group's fields written before it
        earlier = [[v[n] for n in fmt.distinct if n in v] for v in values] if segment.name in fmt.distinct else None
        if earlier is not None:
            items = [[text_key(value) for value in row] for row in earlier]
        if segment.kind == "literal":
            stripped = segment.text.rstrip(" ")
            hold = segment.text[len(stripped):]
            written = [w + stripped for w in written]
            continue
        contexts = (prefilled, written)  # each row: its prefilled prompt, then what the answer holds so far
        seeds = [derive_seed(r.effective_seed(), index) for r in requests]
        if segment.kind == "choice":
            pieces, used = _choose_or_write(teacher, contexts, segment, hold, requests, seeds)
        else:
            sources = [v.get(segment.source, "") for v in values] if segment.kind == "span" else None
            # a field that must hold a list's items (a summary its keywords) gets each row's items
            needs = [v.get(fmt.contains[segment.name], []) for v in values] if segment.name in fmt.contains else None
            pieces, used = _free(teacher, contexts, segment, hold, requests[0], seeds, items, instructions,
                                 fmt.min_words.get(segment.name, 1 if segment.item is not None else 0), sources,
                                 earlier, needs)
        for row, piece in enumerate(pieces):
            if segment.item is None:
                values[row][segment.name] = piece.strip()
            else:  # list fields are kept whole: a later field may have to hold their items
                items[row].append(text_key(piece))
                values[row].setdefault(segment.name, []).append(piece.strip())
        written = [w + piece for w, piece in zip(written, pieces, strict=False)]
        tokens = [t + u for t, u in zip(tokens, used, strict=False)]
        hold = ""
    prompt_tokens = [len(teacher.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    return [Generation(text=w, prompt_tokens=p, completion_tokens=t, finish_reason="stop",
                       metadata={"constrained": fmt.name}) for w, p, t in zip(written, prompt_tokens, tokens, strict=False)]


def _free(teacher, contexts, segment: Segment, hold: str, request: Request, seeds,
          items: list[list[str]], instructions: list[str], min_words: int = 0,
          sources: list[str] | None = None, earlier: list[list[str]] | None = None,
          needs: list[list[str]] | None = None) -> tuple[list[str], list[int]]:
    """Generate a text, number or span field until a stop string (numbers: digit tokens only; spans: a
    run of the tokens of each row's ``sources`` text).

    A row whose field came out empty or under ``min_words`` words, misses one of its ``needs`` (the
    keywords a summary must hold: it may not stop before it holds them, :class:`~synthlib.teachers.hf.HoldsAll`),
    repeats an earlier item of its list or field of its format's ``distinct`` group, or copies a piece of its instruction (:func:`~synthlib.teachers.parsing.echoes_prompt`,
    the parser's own check) is drawn again with a derived seed, up to :data:`RETRIES` times: a long
    enough, distinct, original field is part of the constraint. What is still bad after that is left
    for the parser to reject and count.
    """
    sampling = dataclasses.replace(request.sampling, max_new_tokens=segment.max_tokens, stop=segment.stops,
                                   logprobs=False)
    spans = None
    prefilled, written = contexts
    pieces, used = [""] * len(written), [0] * len(written)
    todo = list(range(len(written)))
    if segment.kind == "number":
        allowed, ban = _digit_tokens(teacher), (1, _stop_tokens(teacher, ("\n",)))
    elif segment.kind == "span":  # readable tokens too: a byte-level run may cut a character in two
        allowed, ban = _clean_tokens(teacher), (1, _stop_tokens(teacher, segment.stops))
        spans = [_span_ids(teacher, source or "") for source in sources or []]
        todo = [r for r in todo if spans[r]]  # nothing to copy from: the field stays empty, no tokens spent
    else:  # readable text, at least min_words words long
        allowed = _clean_tokens(teacher)
        ban = (min_words, _stop_tokens(teacher, segment.stops)) if min_words else None
    # a field of a distinct group may not spell out an earlier one token for token (the redraw alone let
    # Qwen2.5-Coder-0.5B write the same question again three times running)
    runs = None if not earlier else [[ids for v in row if (ids := _span_ids(teacher, v))] for row in earlier]
    # a phrase without a word character can never be found (keyword_inclusion): it does not hold a row back
    holds = None if needs is None else [[p for p in row if _WORD.search(p)] for row in needs]
    for attempt in range(RETRIES + 1):
        if not todo:
            break
        subs = [Request(prompt=written[r], sampling=sampling, seed=derive_seed(seeds[r], attempt)) for r in todo]
        outputs = teacher.generate_batch([written[r] for r in todo], subs, allowed_tokens=allowed, ban_until=ban,
                                         after=(prefilled, todo),
                                         spans=None if spans is None else ([spans[r] for r in todo], ban[1]),
                                         avoid=None if runs is None else ([runs[r] for r in todo],
                                                                          _stop_tokens(teacher, segment.stops)),
                                         holds=None if holds is None else ([holds[r] for r in todo],
                                                                           _stop_tokens(teacher, segment.stops)))
        for row, output in zip(todo, outputs, strict=False):
            text = output.text.strip()
            pieces[row] = hold + text if text else ""
            used[row] += output.completion_tokens
        todo = [r for r in todo if _redraw(pieces[r], items[r], instructions[r], min_words,
                                           holds[r] if holds is not None else ())]
        if sampling.greedy:
            break
    return pieces, used


def _span_ids(teacher, source: str) -> list[int]:
    """The token ids a span of ``source`` is made of, tokenized as it follows a tag and its space (none
    for a blank source: a lone space is no answer)."""
    text = " ".join(source.split())
    return teacher.tokenizer(" " + text, add_special_tokens=False)["input_ids"] if text else []


def _redraw(piece: str, items: list[str], instruction: str, min_words: int = 0, needs: Sequence[str] = ()) -> bool:
    """True when a field must be drawn again: empty, under ``min_words`` words, missing one of ``needs``
    (whole words, any case), equal to an earlier item of its list or field of its ``distinct`` group
    (``items``, as :func:`text_key` s), or copied from the instruction."""
    return (not piece or len(piece.split()) < min_words or bool(missing_keywords(piece, needs))
            or text_key(piece) in items or echoes_prompt(piece, instruction))


def _choose_or_write(teacher, contexts, segment: Segment, hold: str, requests: Sequence[Request],
                     seeds) -> tuple[list[str], list[int]]:
    """A choice field: the option a request asks for is written as it is (a method that asks for a
    negative review keeps that label whatever the model would pick, so scoring it is wasted work: a
    second prefill of every prompt); the other rows sample among the options."""
    from synthlib.teachers.delivery import requested_option

    wanted = [requested_option(r, segment.options) if segment.name == "label" else None for r in requests]
    pieces: list[str] = [hold + w if w else "" for w in wanted]
    used = [len(teacher.tokenizer(p, add_special_tokens=False)["input_ids"]) if p else 0 for p in pieces]
    open_rows = [row for row, w in enumerate(wanted) if w is None]
    if open_rows:
        chosen, counts = _choose(teacher, contexts, open_rows, segment, hold, requests[0],
                                 [seeds[r] for r in open_rows])
        for row, piece, count in zip(open_rows, chosen, counts, strict=True):
            pieces[row], used[row] = piece, count
    return pieces, used


def _choose(teacher, contexts, rows: list[int], segment: Segment, hold: str, request: Request,
            seeds) -> tuple[list[str], list[int]]:
    """Sample one option for each of ``rows`` from the softmax of the options' sequence log-probabilities."""
    import torch

    options = [hold + option for option in segment.options]
    scores, lengths = _option_logprobs(teacher, contexts, rows, options)
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


def _option_logprobs(teacher, contexts, rows: list[int], options: list[str]):
    """Sum of log-probabilities of each option's tokens after each row's context: (rows, options).

    ``contexts`` is ``(prefilled prompts, written answers)``: each row's prompt is already in a KV cache
    (prefilled once, logits at its last position only); its answer so far is prefilled on a copy, and
    each option then runs its few tokens on a copy of that. Scoring whole context + option sequences
    instead costs a prefill per option and the 262k-word LM head at every position of every prompt
    (gigabytes of logits for gemma-3-270m).
    """
    import torch

    from synthlib.teachers.decoding import extend, left_pad

    prefilled, written = contexts
    tok = teacher.tokenizer
    suffix_ids, option_ids = _option_tokens(tok, [written[r] for r in rows], options)
    like = prefilled[2]  # the prompts' mask: device and integer dtype of the ids
    ids, mask = left_pad([torch.tensor(ids, dtype=torch.long) for ids in suffix_ids], like.long())
    cache, last_logits, mask = extend(teacher.model, prefilled, rows, ids, mask)
    count = len(options)
    cache.batch_repeat_interleave(count)  # row r's copies are rows r * count .. r * count + count - 1
    first = torch.log_softmax(last_logits[:, -1].float(), dim=-1).repeat_interleave(count, dim=0)
    flat = [ids for row in option_ids for ids in row]
    width = max(1, max(len(ids) for ids in flat))
    steps = torch.tensor([ids + [tok.pad_token_id] * (width - len(ids)) for ids in flat], device=teacher.device)
    step_mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in flat], device=teacher.device)
    mask = mask.repeat_interleave(count, dim=0)
    start = mask.long().sum(dim=1, keepdim=True)  # each copy's next position (pads before it are masked)
    with torch.inference_mode():
        logits = teacher.model(input_ids=steps, attention_mask=torch.cat([mask, step_mask.to(mask)], dim=1),
                               position_ids=start + torch.arange(width, device=teacher.device),
                               past_key_values=cache, use_cache=True).logits
    # token j of an option is predicted by the context's last logits (j = 0) or the option's token j - 1
    predicted = torch.cat([first[:, None], torch.log_softmax(logits[:, :-1].float(), dim=-1)], dim=1)
    token_logprobs = predicted.gather(2, steps[:, :, None]).squeeze(2).masked_fill(step_mask == 0, 0.0)
    totals = token_logprobs.sum(dim=1).masked_fill(step_mask.sum(dim=1) == 0, -math.inf)
    lengths = [[len(ids) for ids in row] for row in option_ids]
    return totals.view(len(rows), count).cpu(), lengths


def _option_tokens(tok, suffixes: list[str], options: list[str]):
    """Token ids of each answer so far and of each option after it.

    An option's ids are the tail of the joint tokenization of answer + option (a word's leading space
    belongs to it), as the decoder would have produced them. Special tokens are never added here:
    :meth:`HFTeacher.render` already wrote the model's ``<bos>`` into the prompt.
    """
    suffix_ids, option_ids = [], []
    for suffix in suffixes:
        ids = tok(suffix, add_special_tokens=False)["input_ids"]
        joint = [tok(suffix + option, add_special_tokens=False)["input_ids"] for option in options]
        suffix_ids.append(ids)
        option_ids.append([full[len(ids):] for full in joint])
    return suffix_ids, option_ids


def _vocabulary(teacher) -> list[str]:
    cached = getattr(teacher, "_decoded_vocab", None)
    if cached is None:
        cached = [teacher.tokenizer.decode([i]) for i in range(len(teacher.tokenizer))]
        teacher._decoded_vocab = cached
    return cached


def _mask(teacher, keep) -> Any:
    import torch

    size = max(len(teacher.tokenizer), teacher.model.config.vocab_size)
    mask = torch.zeros(size, dtype=torch.bool)
    for token_id, text in enumerate(_vocabulary(teacher)):
        mask[token_id] = keep(text)
    return mask


def _stop_tokens(teacher, stops: tuple[str, ...]):
    """Bool mask: tokens containing a stop string, plus EOS (banned while a field is too short)."""
    cache = teacher.__dict__.setdefault("_stop_masks", {})
    if stops not in cache:
        mask = _mask(teacher, lambda text: any(stop in text for stop in stops))
        mask[teacher.tokenizer.eos_token_id] = True
        cache[stops] = mask
    return cache[stops]


def _clean_tokens(teacher):
    """Bool mask: tokens that decode to readable text (no broken UTF-8, no control characters)."""
    if getattr(teacher, "_clean_mask", None) is None:
        mask = _mask(teacher, lambda text: not _GARBLED.search(text))
        mask[teacher.tokenizer.eos_token_id] = True
        teacher._clean_mask = mask
    return teacher._clean_mask


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
