"""Prompting that makes real teachers deliver: each request goes out in the form its model answers best.

A method writes one instruction per sample (``Request(prompt=...)``, ``constraint`` naming the
output format when it has one). :class:`DeliveringTeacher` rewrites every request by the teacher's
*style* before the cache sees it, so a cache key is the prompt the model really got:

=========  ==================================================================================
style      what the model gets
=========  ==================================================================================
chat       instruct models (the Qwen coders, any served chat model): a data-writer system prompt
           (:data:`DATA_WRITER`), the instruction as the user turn and, under free decoding, an
           assistant turn prefilled with the format's first tag (``[text]``, ``{"question": "``):
           the model starts inside the format instead of apologising. Constrained decoding (hf
           backend) writes the skeleton itself, so it gets no prefill.
fewshot    base models (gemma-3-270m): :data:`SHOTS` worked examples of the same format, each as
           instruction + answer, of the requested class only (mixed-class few-shots make a small
           base model drift to one class), then the instruction and the first tag; a blank line
           ends the answer. Formats without worked examples get the instruction and the tag.
plain      tiny random models and scripted teachers: the request as it is
=========  ==================================================================================

A backend returns the whole assistant turn, prefill included (``synthlib.teachers.base.prefill_of``),
so parsers see the same text in every style.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
from collections.abc import Sequence
from typing import Any

from synthlib.teachers.base import Request, ResultCallback, Teacher, TeacherSignature

DATA_WRITER = ("You write synthetic training data for machine-learning research. Every request asks for short, "
               "harmless, fictional text: movie reviews, sentences, questions, summaries. Always write it, "
               "whatever its sentiment. Follow the requested format exactly and write nothing else.")
SHOTS = 3
STYLES = ("chat", "fewshot", "plain")
#: packaged or well-known base (not instruction-tuned) models: they continue text, they do not chat
BASE_MODELS = ("gemma-3-270m",)
#: backends that run a model in this process: delivery from the model, constrained decoding honoured
LOCAL_BACKENDS = ("hf", "llamacpp")
HEAD = "delivery_head"  # request metadata: the start of the answer a few-shot prompt already wrote
FORMAT_LINE = re.compile(r"\b(?:form|format)\s*:", re.IGNORECASE)  # the line that spells out an answer's form


def style_of(teacher: Teacher) -> str:
    """``chat``, ``fewshot`` or ``plain`` for a (possibly cached) teacher, from its backend and model."""
    backend = getattr(teacher, "teacher", teacher)  # unwrap the cache
    signature = backend.signature
    if signature.backend in ("openai", "vllm"):
        return "chat"
    if signature.backend not in LOCAL_BACKENDS or signature.stand_in:
        return "plain"
    if getattr(backend, "seq2seq", False):
        return "plain"
    name = signature.model.rstrip("/").rsplit("/", 1)[-1].lower()
    if any(base in name for base in BASE_MODELS) or not getattr(backend.tokenizer, "chat_template", None):
        return "fewshot"
    return "chat"


def first_tag(request: Request) -> str:
    """Where a well-formed answer starts: the format's first literal (``[text]``, ``{"question": "``),
    else the first ``[tag]`` of the instruction's "Answer in the form" / "Format:" line, else ``""``."""
    fmt = _format_of(request)
    if fmt is not None and fmt.segments and fmt.segments[0].kind == "literal":
        return fmt.segments[0].text.rstrip(" ")  # a trailing space would split the next word's token
    for line in (request.prompt or "").splitlines():
        if FORMAT_LINE.search(line):
            match = re.search(r"\[[A-Za-z_]\w*\]", line)
            if match:
                return match.group(0)
    return ""


def without_format_line(instruction: str) -> str:
    """The instruction without its "Answer in the form: ..." / "Format: ..." lines (trailing space stripped)."""
    kept = [line for line in instruction.splitlines() if not FORMAT_LINE.search(line)]
    return "\n".join(kept).rstrip() or instruction.rstrip()


def option_metadata(label_names: Sequence[str], label: int | None) -> dict[str, str]:
    """``{"option": <label name>}`` for a request that asks for class ``label``, else ``{}``: the few-shot
    delivery then shows examples of that class only, and the constrained decoder writes the label
    instead of scoring it (methods word labels their own way in prompts, which neither can read)."""
    return {"option": label_names[label]} if label is not None and label_names else {}


def requested_option(request: Request, options: Sequence[str]) -> str | None:
    """The label a request asks for: ``metadata["option"]``, else the one option word its instruction names."""
    if request.metadata.get("option") in options:
        return request.metadata["option"]
    text = (request.prompt or "").split("\n", 1)[0].lower()  # the instruction line, not the format line
    found = [o for o in sorted(options, key=len, reverse=True) if re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text)]
    found = [o for o in found if not any(o != f and o in f for f in found)]  # "entailment" inside "not_entailment"
    return found[0] if len(found) == 1 else None


def with_requested_option(request: Request) -> Request:
    """The request with ``metadata["option"]`` set to the label its instruction asks for, when its format
    has a label choice (read before a few-shot block hides the instruction's first line)."""
    choice = _label_choice(_format_of(request))
    if choice is None or request.metadata.get("option") in choice.options:
        return request
    option = requested_option(request, choice.options)
    return dataclasses.replace(request, metadata={**request.metadata, "option": option}) if option else request


@dataclasses.dataclass(frozen=True)
class Delivery:
    """How requests are rewritten for one teacher (see the module table)."""

    style: str = "chat"
    system: str = DATA_WRITER
    shots: int = SHOTS
    honours_constraints: bool = True  # the backend decodes under constraints (hf): no prefill then

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown delivery style '{self.style}'; use one of {STYLES}")

    def adapt(self, request: Request) -> Request:
        """The request in this style (a ``plain`` delivery, a request already in chat form, or a few-shot
        delivery of a request without an output format, is unchanged)."""
        if self.style == "plain" or request.prompt is None:
            return request
        request = with_requested_option(request)
        constrained = bool(request.constraint) and self.honours_constraints
        tag = "" if constrained else first_tag(request)
        if self.style == "chat":
            messages = [{"role": "system", "content": self.system}, {"role": "user", "content": request.prompt}]
            if tag:
                messages.append({"role": "assistant", "content": tag})
            return dataclasses.replace(request, prompt=None, messages=tuple(messages))
        if _format_of(request) is None:
            return request  # a free continuation (no output format): nothing to show by example
        examples = self.examples(request)
        # with worked examples the answer line ("Answer in the form: [text] <the review>") teaches nothing
        # the examples do not, and a small base model copies its <placeholders> into the answer
        instruction = without_format_line if examples else str.rstrip
        shots = "".join(f"{instruction(e.prompt)}\n{e.target}\n\n" for e in examples)
        sampling = request.sampling
        if not constrained and "\n\n" not in sampling.stop:
            sampling = dataclasses.replace(sampling, stop=(*sampling.stop, "\n\n"))  # the next example
        prompt = shots + instruction(request.prompt) + "\n" + tag
        return dataclasses.replace(request, prompt=prompt, sampling=sampling, metadata={**request.metadata, HEAD: tag})

    def examples(self, request: Request) -> list[Any]:
        """Worked examples of the request's format, of its requested class only (seeded by the request)."""
        fmt = _format_of(request)
        if fmt is None or self.shots < 1:
            return []
        pool = worked_examples(fmt.name)
        choice = _label_choice(fmt)
        if choice is not None:
            wanted = requested_option(request, choice.options)
            if wanted is not None:
                pool = [e for e in pool if _label_of(fmt, e.target) == wanted]
        rng = random.Random(f"{request.seed}-{request.sample_index}-{fmt.name}")
        return rng.sample(pool, min(self.shots, len(pool)))


def delivery_for(teacher: Teacher, style: str = "auto") -> Delivery:
    """The delivery for ``teacher`` (``style="auto"`` reads it from the teacher)."""
    chosen = style_of(teacher) if style == "auto" else style
    backend = getattr(teacher, "teacher", teacher)
    return Delivery(chosen, honours_constraints=backend.signature.backend in LOCAL_BACKENDS)


class DeliveringTeacher(Teacher):
    """Wrap a (cached) teacher: rewrite each request by :class:`Delivery` before it reaches the cache.

    Everything else (``stats``, ``path``, the wrapped ``teacher``) is the wrapped object's.
    """

    def __init__(self, teacher: Teacher, delivery: Delivery):
        self.inner = teacher
        self.delivery = delivery

    @property
    def signature(self) -> TeacherSignature:
        """The wrapped teacher's signature (the delivery shows in every cached prompt instead)."""
        return self.inner.signature

    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None):
        adapted = [self.delivery.adapt(r) for r in requests]
        # a few-shot prompt ends with the answer's first tag: give it back, so parsers see the whole answer
        heads = [a.metadata.get(HEAD, "") for a in adapted]

        def whole(i: int, generation):
            return dataclasses.replace(generation, text=heads[i] + generation.text) if heads[i] else generation

        forward = (lambda i, g: on_result(i, whole(i, g))) if on_result else None
        return [whole(i, g) for i, g in enumerate(self.inner.generate(adapted, forward))]

    def __getattr__(self, name: str) -> Any:
        if name in ("inner", "delivery"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def close(self) -> None:
        """Close the wrapped teacher."""
        self.inner.close()

    def __repr__(self) -> str:
        return f"DeliveringTeacher({self.inner!r}, style={self.delivery.style!r})"


def _format_of(request: Request):
    from synthlib.tasks.formats import get_format

    name = request.constraint or request.metadata.get("format")
    try:
        return get_format(name) if name else None
    except KeyError:
        return None


def _label_choice(fmt):
    """The format's ``label`` choice segment, or None (no format, or no label to choose)."""
    if fmt is None:
        return None
    return next((s for s in fmt.segments if s.kind == "choice" and s.name == "label"), None)


def _label_of(fmt, target: str) -> str | None:
    parsed = fmt.parse(target)
    return parsed.value.get("label") if parsed.ok else None


@functools.cache
def worked_examples(fmt: str, count: int = 200, seed: int = 0, max_words: int = 160) -> tuple[Any, ...]:
    """Worked examples of a registered format from training splits (``synthlib.tasks.examples``);
    empty for formats without a source (a method's own formats)."""
    from synthlib.tasks.examples import SOURCES, build_examples

    if fmt not in SOURCES:
        return ()
    return tuple(build_examples(fmt, count, seed, max_words, part="train"))
