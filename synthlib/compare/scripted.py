"""One scripted STAND-IN teacher for the whole comparison (tests and the smoke profile).

The head-to-head needs *one* teacher for every method. Each method's rule-based stand-in reads its
own request metadata (``metadata["s3"]``, ``metadata["gold"]``); this teacher hands each request
to the stand-in that understands it, so one teacher (one signature, one cache) serves S3, ZeroGen,
CRAFT (S3's context prompts over retrieved premises) and GOLD. Unlike the plain
:class:`~synthlib.teachers.scripted.ScriptedTeacher` it also counts the prompt's words as prompt
tokens, so budgets measure prompts as they do for a real model.
It is not a language model; its numbers only show that the pipeline runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from synthlib.teachers.base import Generation, Request, ResultCallback, instruction_of
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"


def respond(request: Request) -> str:
    """The answer of the stand-in that understands ``request`` (S3's, GOLD's, or a SoftSRV label)."""
    if "softsrv" in request.metadata:
        return label_by_rule(request.metadata["softsrv"])
    if "gold" in request.metadata:
        from synthlib.methods.gold.scripted import respond as gold_respond

        return gold_respond(request)
    from synthlib.methods.s3.scripted import respond as s3_respond

    return s3_respond(request)


class CompareScriptedTeacher(ScriptedTeacher):
    """The scripted stand-in for every method, with prompt words counted as prompt tokens."""

    def __init__(self, name: str = f"{REFERENCE}-compare"):
        super().__init__(respond, name=name)

    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        def counted(index: int, generation: Generation) -> None:
            generation.prompt_tokens = len(instruction_of(requests[index]).split())
            if on_result is not None:
                on_result(index, generation)

        return super()._generate(requests, counted)


_POSITIVE = {"loved", "wonderful", "treat", "superb", "gripping", "brilliant", "recommended", "great", "good"}


def label_by_rule(info: dict) -> str:
    """A SoftSRV labelling request answered by rule: positive words for IMDb, word overlap for pairs."""
    row = info["row"]
    if info["task"] == "imdb":
        return "[label] " + ("positive" if _POSITIVE & set(row["text"].lower().split()) else "negative")
    first, second = set(row["text1"].lower().split()), set(row["text2"].lower().split())
    return "[label] " + ("entailment" if len(first & second) >= len(second) / 2 else "not_entailment")
