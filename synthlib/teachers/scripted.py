"""A scripted teacher: answers come from a Python function, not a model (tests and smoke runs).

``ScriptedTeacher(respond)`` calls ``respond(request) -> str`` for every request, records every
request it saw (``calls``), and reports itself as a STAND-IN so that nothing it writes is ever
mistaken for a language model's output. Its outputs are deterministic given the request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from synthlib.teachers.base import Generation, Request, ResultCallback, Teacher, TeacherSignature


class ScriptedTeacher(Teacher):
    """A rule-based teacher; ``respond`` maps a request to the output text."""

    def __init__(self, respond: Callable[[Request], str], name: str = "scripted"):
        self.respond, self.name = respond, name
        self.calls: list[Request] = []

    @property
    def signature(self) -> TeacherSignature:
        """Backend ``scripted``, always a stand-in."""
        return TeacherSignature(backend="scripted", model=self.name, stand_in=True)

    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        out = []
        for index, request in enumerate(requests):
            self.calls.append(request)
            text = self.respond(request)
            generation = Generation(text=text, completion_tokens=len(text.split()), finish_reason="stop")
            if on_result is not None:
                on_result(index, generation)
            out.append(generation)
        return out
