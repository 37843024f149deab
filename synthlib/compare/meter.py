"""A teacher wrapper that counts tokens per call and stops the teacher once a budget is spent.

:class:`MeteredTeacher` sits outside the cache (``MeteredTeacher(CachedTeacher(backend))``) and
charges every *distinct* request once: ``prompt_tokens + completion_tokens`` of its generation,
which for a cache hit are the counts stored when the call was made. So a killed cell that is rerun
against the cache spends exactly what it spent the first time, and calls no teacher for it.

Admission, before each inner call: a request's cost is estimated as its prompt length times the
largest tokens-per-character ratio seen so far (or the exact count a request carries in
``metadata[PROMPT_TOKENS]``) plus its ``max_new_tokens`` (the very first request goes alone, to learn
the ratio). Requests are sent in order while their estimates fit what is left;
after they are answered, the real spend decides again. A request that does not fit even alone is
**truncated** (its ``max_new_tokens`` lowered to what is left, when at least :data:`MIN_COMPLETION`
tokens remain); after that the rest are **refused**: they come back as
empty generations with ``finish_reason="budget"``, which the methods' parsers count as rejections.
Spending therefore ends a little under the budget (by at most the estimate's slack on one request),
never far over it. All decisions depend only on the answers seen, so a rerun makes the same ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Iterator, Sequence

from synthlib.teachers.base import (
    Generation,
    Request,
    ResultCallback,
    Teacher,
    TeacherSignature,
    instruction_of,
    prefill_of,
    request_key,
)

#: a truncated request must still be allowed this many completion tokens, else it is refused
MIN_COMPLETION = 8
#: tokens per prompt character assumed for the very first request, before any answer was seen
#: (English runs near 0.25 with subword tokenizers; that one request alone may be misjudged)
FIRST_RATIO = 0.25
REFUSED = "budget"
#: request metadata: the prompt's length in tokens when the caller knows it exactly (a soft prompt's
#: request carries its context text as ``prompt`` but costs only its t vectors), used instead of the estimate
PROMPT_TOKENS = "prompt_tokens"


class MeteredTeacher(Teacher):
    """Charge ``teacher``'s calls against ``tokens``; refuse or truncate once they are spent."""

    def __init__(self, teacher: Teacher, tokens: int):
        if tokens < 1:
            raise ValueError(f"a teacher-token budget must be >= 1, got {tokens}")
        self.teacher, self.limit = teacher, tokens
        self.prompt_tokens = self.completion_tokens = 0
        self.calls = self.cached_calls = self.refused_calls = self.truncated_calls = 0
        self.seconds = 0.0
        self._ceiling = tokens  # lowered for a while by cap()
        self._refused_under_ceiling = False
        self._ratio: float | None = None  # largest prompt tokens per prompt character seen
        self._paid: set[str] = set()

    @property
    def signature(self) -> TeacherSignature:
        """The wrapped teacher's signature: metering changes no output."""
        return self.teacher.signature

    @property
    def spent(self) -> int:
        """Prompt + completion tokens charged so far."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def remaining(self) -> int:
        """Tokens left under the current ceiling (the budget, or a cap())."""
        return max(0, self._ceiling - self.spent)

    @property
    def exhausted(self) -> bool:
        """True once a request was refused under the current ceiling, or nothing useful is left."""
        return self._refused_under_ceiling or self.remaining < MIN_COMPLETION

    @contextlib.contextmanager
    def cap(self, tokens: int) -> Iterator[MeteredTeacher]:
        """Within the block, spend at most ``tokens`` more (never beyond the budget itself)."""
        saved = self._ceiling, self._refused_under_ceiling
        self._ceiling, self._refused_under_ceiling = min(self.limit, self.spent + max(0, tokens)), False
        try:
            yield self
        finally:
            self._ceiling, self._refused_under_ceiling = saved

    def absorb(self, other: MeteredTeacher) -> None:
        """Charge what ``other`` spent to this meter too: a method that calls a second model on the teacher's
        weights (SoftSRV's soft prompt) meters it apart, under a share of what is left here, then adds it
        here, so the cell's spend and what is left of its budget include it."""
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cached_calls += other.cached_calls
        self.refused_calls += other.refused_calls
        self.truncated_calls += other.truncated_calls
        self.seconds += other.seconds

    # -- the call ------------------------------------------------------------------------------
    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        results: list[Generation | None] = [None] * len(requests)
        position = 0
        while position < len(requests):
            admitted = self._admit(requests, position)
            if not admitted:
                break
            self._call(admitted, results, on_result)
            position = admitted[-1][0] + 1
        for index in range(position, len(requests)):
            self.refused_calls += 1
            self._refused_under_ceiling = True
            results[index] = Generation(text="", finish_reason=REFUSED,
                                        metadata={"refused": "teacher-token budget spent"})
            if on_result is not None:
                on_result(index, results[index])
        return results  # type: ignore[return-value]

    def _admit(self, requests: Sequence[Request], start: int) -> list[tuple[int, Request]]:
        """The next run of requests whose estimated cost fits; the last one possibly truncated."""
        left, admitted = self.remaining, []
        for index in range(start, len(requests)):
            request = requests[index]
            if request_key(self.signature, request) in self._paid:
                admitted.append((index, request))  # already charged in this cell: the cache answers it
                continue
            if self._ratio is None and admitted:
                break  # learn the prompt ratio from one answer before sending a batch
            prompt = self._prompt_estimate(request)
            cost = prompt + request.sampling.max_new_tokens
            if cost <= left:
                admitted.append((index, request))
                left -= cost
                continue
            if admitted:
                break  # send these first: the real spend, not the estimate, decides about the next one
            if left - prompt >= MIN_COMPLETION:
                sampling = dataclasses.replace(request.sampling, max_new_tokens=left - prompt)
                admitted.append((index, dataclasses.replace(request, sampling=sampling)))
                self.truncated_calls += 1
            break
        return admitted

    def _call(self, admitted: list[tuple[int, Request]], results: list, on_result: ResultCallback | None) -> None:
        started = time.perf_counter()
        try:
            generations = self.teacher.generate([request for _, request in admitted])
        finally:
            self.seconds += time.perf_counter() - started
        for (index, request), generation in zip(admitted, generations, strict=True):
            self._charge(request, generation)
            results[index] = generation
            if on_result is not None:
                on_result(index, generation)

    def _charge(self, request: Request, generation: Generation) -> None:
        key = request_key(self.signature, request)
        if key in self._paid:
            return
        self._paid.add(key)
        self.calls += 1
        self.cached_calls += int(generation.cached)
        self.prompt_tokens += generation.prompt_tokens
        self.completion_tokens += generation.completion_tokens
        chars = max(1, len(_prompt_text(request)))
        self._ratio = max(self._ratio or 0.0, generation.prompt_tokens / chars)

    def _prompt_estimate(self, request: Request) -> int:
        if PROMPT_TOKENS in request.metadata:
            return int(request.metadata[PROMPT_TOKENS])
        return math.ceil(len(_prompt_text(request)) * (self._ratio if self._ratio is not None else FIRST_RATIO))

    def close(self) -> None:
        """Leaves the wrapped teacher open: the grid shares one teacher across its cells."""
        return None

    def __repr__(self) -> str:
        return f"MeteredTeacher({self.teacher!r}, spent {self.spent} of {self.limit})"


def _prompt_text(request: Request) -> str:
    return instruction_of(request) + prefill_of(request)
