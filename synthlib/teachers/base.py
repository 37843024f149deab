"""The teacher contract: requests in, generations out, and a signature that names the model.

A :class:`Request` carries either chat ``messages`` or a plain ``prompt``, the
:class:`SamplingParams`, a ``sample_index`` (the k-th sample drawn for the same prompt) and a
``seed``. A :class:`Generation` carries the text, token counts, the finish reason and, where the
backend can, per-token log-probabilities. Every backend subclasses :class:`Teacher`.

Only the standard library is imported here, so configs and the cache stay cheap to import.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: called by a backend as soon as one request is answered: (position in the input list, generation)
ResultCallback = Callable[[int, "Generation"], None]

#: revision of the constrained decoder's rules (``synthlib.teachers.constrained``); it enters the cache
#: key of constrained requests, so answers written under older rules are not served again.
#: 2: a field copied from the instruction, or under the format's minimum words, is drawn again.
CONSTRAINED_DECODER = 2
#: formats whose rules changed since, at their own revision (every other format keeps its cache keys).
#: extractive_qa 3: a span field may use readable tokens only (a byte-level run cut one character in two),
#: and a blank source leaves it empty. summary_qa 3: a question equal to an earlier one is drawn again;
#: 4: and may not spell out an earlier one token for token. keywords_summary 3: keywords count as
#: repeats when equal lower-cased and single-spaced; 4: the summary may not stop before it holds every
#: keyword, a missing keyword's next token is pulled up (``hf.HoldsAll``), and a summary still missing
#: one when its budget ends is drawn again.
FORMAT_DECODER = {"extractive_qa": 3, "summary_qa": 4, "keywords_summary": 4}


def decoder_revision(constraint: str) -> int:
    """The constrained decoder's rule revision for one format: what its requests' cache keys carry."""
    return FORMAT_DECODER.get(constraint, CONSTRAINED_DECODER)


@dataclass(frozen=True)
class SamplingParams:
    """How to decode. ``temperature == 0`` means greedy; everything here enters the cache key."""

    max_new_tokens: int = 128
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0 = no top-k cut
    stop: tuple[str, ...] = ()
    logprobs: bool = False

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0:
            raise ValueError("need temperature >= 0, 0 < top_p <= 1 and top_k >= 0, got "
                             f"{self.temperature}, {self.top_p}, {self.top_k}")
        object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        """True when decoding is deterministic (temperature 0)."""
        return self.temperature == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view (stop strings as a list)."""
        values = dataclasses.asdict(self)
        values["stop"] = list(self.stop)
        return values


@dataclass(frozen=True)
class Request:
    """One generation request. Exactly one of ``prompt`` and ``messages`` is set.

    ``constraint`` names a task output format (``synthlib.tasks.formats``); backends that can
    decode under constraints (the hf backend and the stand-in) force that format's skeleton,
    others ignore it. ``metadata`` travels with the request for the caller and never enters the
    cache key.
    """

    prompt: str | None = None
    messages: tuple[dict[str, str], ...] | None = None
    sampling: SamplingParams = field(default_factory=SamplingParams)
    sample_index: int = 0
    seed: int = 0
    constraint: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("a Request needs exactly one of prompt= or messages=")
        if self.messages is not None:
            messages = tuple(dict(m) for m in self.messages)
            for message in messages:
                if set(message) != {"role", "content"}:
                    raise ValueError(f"chat messages need exactly 'role' and 'content', got {sorted(message)}")
            object.__setattr__(self, "messages", messages)

    def payload(self) -> dict[str, Any]:
        """Everything that determines the output except the model: what the cache key hashes."""
        payload = {"prompt": self.prompt, "messages": list(self.messages) if self.messages else None,
                   "sampling": self.sampling.to_dict(), "sample_index": self.sample_index, "seed": self.seed,
                   "constraint": self.constraint}
        if self.constraint:  # a constrained answer also depends on the decoder's rules (free ones keep their keys)
            payload["decoder"] = decoder_revision(self.constraint)
        return payload

    def effective_seed(self) -> int:
        """A 63-bit seed from (seed, sample_index): distinct samples of one prompt differ, reruns agree."""
        return derive_seed(self.seed, self.sample_index)


@dataclass
class Generation:
    """A teacher's answer to one request."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"  # stop | length | error
    logprobs: list[float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    cached: bool = False  # set by the cache on a hit; never stored

    def to_dict(self) -> dict[str, Any]:
        """Plain data for storage (``cached`` is a property of this read, not of the output)."""
        values = dataclasses.asdict(self)
        values.pop("cached")
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any], cached: bool = False) -> Generation:
        """Inverse of :meth:`to_dict`."""
        return cls(**values, cached=cached)


@dataclass(frozen=True)
class TeacherSignature:
    """What identifies a teacher's outputs: part of every cache key and of every run manifest.

    Runtime settings (batch size, concurrency, timeouts, device) are deliberately absent: they do
    not change what a seeded request returns. Secrets never appear here.
    """

    backend: str
    model: str
    revision: str = ""  # a hub revision, a weight hash or a served model's version
    dtype: str = ""
    adapter: str = ""
    stand_in: bool = False
    sampler: str = ""  # the local sampler's noise stream (hf); "" where the server samples

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view for manifests."""
        return dataclasses.asdict(self)

    def key(self) -> str:
        """Stable JSON text used inside cache keys (an empty ``sampler`` is left out, so the keys of
        backends that sample server-side did not change when the field came)."""
        fields = self.to_dict()
        if not fields["sampler"]:
            del fields["sampler"]
        return canonical_json(fields)


class Teacher(abc.ABC):
    """A text generator. Subclasses implement :meth:`_generate` and :attr:`signature`."""

    @property
    @abc.abstractmethod
    def signature(self) -> TeacherSignature:
        """The teacher's identity (backend, model, revision or weight hash, dtype, adapter)."""

    @abc.abstractmethod
    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        """Answer every request in order; call ``on_result(i, gen)`` as each one finishes."""

    def generate(self, requests: Sequence[Request], on_result: ResultCallback | None = None) -> list[Generation]:
        """Answer ``requests`` (same order). ``on_result`` sees each answer as soon as it exists."""
        requests = list(requests)
        if not requests:
            return []
        generations = self._generate(requests, on_result)
        for generation in generations:
            if self.signature.stand_in:
                generation.metadata.setdefault("stand_in", True)
        return generations

    def close(self) -> None:
        """Release connections or memory; the default does nothing."""
        return None

    def __enter__(self) -> Teacher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        sig = self.signature
        label = " STAND-IN" if sig.stand_in else ""
        return f"{type(self).__name__}({sig.backend}:{sig.model}{label})"


def prefill_of(request: Request) -> str:
    """The start of the answer a request already writes: the content of a final assistant message
    (a *prefilled* turn the model continues), else ``""``. Backends return it as part of the text."""
    if request.messages and request.messages[-1]["role"] == "assistant":
        return request.messages[-1]["content"]
    return ""


def instruction_of(request: Request) -> str:
    """What the teacher was asked: the prompt, or the user messages' contents (for echo checks)."""
    if request.prompt is not None:
        return request.prompt
    return "\n".join(m["content"] for m in request.messages or () if m["role"] == "user")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text (and equal hashes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def derive_seed(*parts: Any) -> int:
    """A stable 63-bit integer from any JSON-able parts (independent of PYTHONHASHSEED)."""
    digest = hashlib.sha256(canonical_json(list(parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def request_key(signature: TeacherSignature, request: Request) -> str:
    """Cache key: sha256 of (signature, sampling parameters, prompt, sample index, seed, constraint)."""
    text = canonical_json({"teacher": signature.to_dict(), "request": request.payload()})
    return hashlib.sha256(text.encode()).hexdigest()
