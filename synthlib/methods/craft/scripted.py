"""``stand-in-scripted`` for CRAFT: a rule-based STAND-IN teacher (tests and the smoke profile).

It is not a language model. It reads what each request asks for (``metadata["craft"]``) and
builds a well-formed sample from the retrieved document's own sentences: a multiple-choice
question whose correct option is a sentence of the document and whose wrong options are other
sentences with a word swapped, a yes/no statement, an extracted section and its first sentences as
the "summary". A few answers are planted to be unusable (no JSON, a missing key, a bad label, too
long, a copy of a few-shot, one fixed repeated answer) so every filter reason is exercised. As a
judge it prefers the shorter response. Deterministic per request; what it leads to says nothing
about CRAFT.
"""

from __future__ import annotations

import json
import random
import re

from synthlib.teachers.base import Request
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"
_FILLER = ["river", "engine", "market", "winter", "garden", "protein", "village", "signal", "copper", "harbor",
           "meadow", "lantern", "orbit", "ferment", "glacier", "pigment", "saddle", "voltage", "mosaic", "thicket"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def scripted_craft_teacher(name: str = REFERENCE) -> ScriptedTeacher:
    """The rule-based CRAFT stand-in teacher."""
    return ScriptedTeacher(respond, name=f"{name}-craft")


def respond(request: Request) -> str:
    """Answer one CRAFT request from its ``metadata["craft"]`` description."""
    info = request.metadata.get("craft") or {}
    step = info.get("step", "")
    rng = random.Random(f"{request.effective_seed()}-{info.get('doc_id', '')}-{_text(request)[-200:]}")
    if step == "judge":
        return _judge(_text(request))
    planted = _planted(rng, info)
    if planted is not None:
        return planted
    document = info.get("document") or _invent(rng, info)
    sentences = [s.strip() for s in _SENTENCE.split(document) if len(s.split()) >= 5] or [document.strip()]
    if step == "extract":
        return json.dumps({"section": " ".join(sentences[: rng.randint(3, 6)])})
    if step == "summarize":
        return json.dumps({"summary": " ".join(sentences[:2])})
    if info.get("task") == "summarization":
        return json.dumps({"section": " ".join(sentences[:5]), "summary": sentences[0]})
    if info.get("task") == "csqa":
        truth = rng.random() < 0.5
        statement = sentences[rng.randrange(len(sentences))]
        return json.dumps({"question": statement if truth else _swap(rng, statement),
                           "options": ["Yes", "No"], "answer": "A" if truth else "B"})
    return _mc(rng, info, sentences)


def _text(request: Request) -> str:
    return request.prompt if request.prompt is not None else request.messages[-1]["content"]


def _planted(rng: random.Random, info: dict) -> str | None:
    draw = rng.random()
    if info.get("step") == "summarize":
        return None
    if draw < 0.05:
        return "Sorry, I can only help with code."  # bad JSON
    if draw < 0.08:
        return json.dumps({"question": "What does the text say?"})  # missing keys
    if draw < 0.10:
        return json.dumps({"question": "Which option is right?", "options": ["w", "x", "y", "z"], "answer": "E"})
    if draw < 0.12:
        return " ".join(["very"] * 600)  # excessive length
    if draw < 0.15:
        return json.dumps({"question": "Which of the following is a cell organelle?",  # one fixed answer: exact dups
                           "options": ["Mitochondrion", "Granite", "Oxygen", "Sand"], "answer": "A"})
    if draw < 0.18 and info.get("shots"):
        return json.dumps(info["shots"][0])  # a copy of a shown few-shot
    return None


def _mc(rng: random.Random, info: dict, sentences: list[str]) -> str:
    truth = sentences[rng.randrange(len(sentences))]
    wrong = [_swap(rng, sentences[rng.randrange(len(sentences))]) for _ in range(3)]
    options = [truth, *wrong]
    rng.shuffle(options)
    topic = info.get("title") or "the text"
    return json.dumps({"question": f"Which statement about {topic} is correct?", "options": options,
                       "answer": "ABCD"[options.index(truth)]})


def _swap(rng: random.Random, sentence: str) -> str:
    words = sentence.split()
    if len(words) < 2:
        return sentence + " not"
    i = rng.randrange(len(words))
    return " ".join([*words[:i], rng.choice(["never", "rarely", "always", "no"]), *words[i + 1:]])


def _invent(rng: random.Random, info: dict) -> str:
    """Sentences for prompts without a document (Self-/Evol-Instruct): words of the shown samples, remixed."""
    words = []
    for sample in info.get("shots") or []:
        words += " ".join([str(sample.get("question", sample.get("section", ""))),
                           *map(str, sample.get("options", []))]).split()
    words = words + rng.sample(_FILLER, 8)  # new words, so a remix is not a copy of one sample
    sentences = []
    for _ in range(4):
        sentences.append(" ".join(rng.choice(words) for _ in range(rng.randint(6, 12))).capitalize() + ".")
    return " ".join(sentences)


def _judge(prompt: str) -> str:
    first = prompt.partition("Response 1:\n")[2].partition("\n\nResponse 2:")[0]
    second = prompt.partition("Response 2:\n")[2].partition("\n\nWhich response")[0]
    if len(first) == len(second):
        return "tie"
    return "1" if len(first) < len(second) else "2"
