"""``stand-in-scripted`` for SoftSRV: a rule-based STAND-IN teacher (tests and the smoke profile).

It is not a language model. For PT it rewrites the seed question by swapping its numbers and a few
words; for PT_SR it writes a fixed critique and a rewrite (or ``Stop``); for answers it writes a
GSM8K solution ending in a number, a small Python function, or True/False. Deterministic per
request; the numbers it leads to say nothing about SoftSRV.
"""

from __future__ import annotations

import random
import re

from synthlib.teachers.base import Request
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"
_SWAPS = {"apples": "pears", "Tom": "Ana", "list": "tuple", "string": "sentence", "river": "lake", "sold": "bought",
          "function": "python function", "largest": "smallest", "days": "weeks"}


def scripted_softsrv_teacher(name: str = REFERENCE) -> ScriptedTeacher:
    """The rule-based SoftSRV stand-in teacher."""
    return ScriptedTeacher(respond, name=name)


def respond(request: Request) -> str:
    """Answer one SoftSRV request from its ``metadata["softsrv"]`` description."""
    info = request.metadata.get("softsrv") or {}
    rng = random.Random(request.effective_seed())
    step, task = info.get("step"), info.get("task", "")
    if step == "pt":
        return "\n".join(f"{'' if k == 0 else f'Question {k + 1}: '}{_vary(info.get('example', ''), rng)}"
                         for k in range(10))
    if step == "critique":
        return rng.choice(["Clear, but too easy; add a step.", "Original and clear.", "The wording is vague."])
    if step == "refine":
        return "Stop" if rng.random() < 0.3 else _vary(info.get("question", ""), rng)
    if step == "answer":
        return _answer(task, info.get("question", ""), rng)
    return ""


def _vary(text: str, rng: random.Random) -> str:
    text = re.sub(r"\d+", lambda m: str(rng.randint(2, 99)), text)
    for old, new in _SWAPS.items():
        if rng.random() < 0.5:
            text = text.replace(old, new)
    return text


def _answer(task: str, question: str, rng: random.Random) -> str:
    if task == "gsm8k":
        numbers = [int(n) for n in re.findall(r"\d+", question)][:3]
        return f"We add the quantities {' + '.join(map(str, numbers)) or '0'}. The answer is {sum(numbers)}."
    if task == "mbpp":
        if rng.random() < 0.1:
            return "I am not sure."  # unusable on purpose: counted as a rejection
        return "```python\ndef solution(items):\n    return sorted(items)\n```"
    return rng.choice(["True", "False", "Yes, it is.", "No."])
