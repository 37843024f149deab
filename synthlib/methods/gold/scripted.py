"""``stand-in-scripted`` for GOLD: a rule-based STAND-IN teacher (tests and the smoke profile).

It is not a language model. It reads what each request asks for (``metadata["gold"]``) and writes
a well-formed sample by recombining the examples its prompt showed (feedback examples first, then
the real ones) with words from small topic banks; an OOD request draws from other banks and
writes in another style. Every twelfth answer or so is deliberately unusable, so the rejection
counting runs too. Deterministic per request; the numbers it leads to say nothing about GOLD.
"""

from __future__ import annotations

import random

from synthlib.teachers.base import Request
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"

_TOPICS = ["the river", "the old castle", "the new library", "the festival", "the bridge", "the market",
           "the museum", "the harbour"]
_OOD_TOPICS = ["the quantum computer", "the coral reef", "the jazz quartet", "the volcano", "the chess engine",
               "the space probe", "the vaccine trial", "the glacier"]
_NAMES = ["Anna", "Omar", "Li", "Sofia", "Ravi", "Marta"]
_THINGS = ["apples", "books", "coins", "tickets", "marbles", "stamps"]


def scripted_gold_teacher(name: str = REFERENCE) -> ScriptedTeacher:
    """The rule-based GOLD stand-in teacher."""
    return ScriptedTeacher(respond, name=name)


def respond(request: Request) -> str:
    """Answer one GOLD request from its ``metadata["gold"]`` description."""
    info = request.metadata.get("gold") or {}
    rng = random.Random(request.effective_seed())
    step, task = info.get("step"), info.get("task", "")
    if step == "answer":
        return _answer(rng, task, info)
    if rng.random() < 0.08:
        return "Sorry, I cannot write that."  # unparseable on purpose: counted as a rejection
    shown = [*info.get("feedback", []), *info.get("examples", [])]
    base = shown[0] if info.get("feedback") and rng.random() < 0.7 else rng.choice(shown)
    ood = step == "ood"
    topic = rng.choice(_OOD_TOPICS if ood else _TOPICS)
    if task in ("rte", "qnli", "mrpc", "wnli", "anli"):
        return _pair(rng, task, base, topic, info.get("label"), ood)
    if task in ("squad", "adversarial_qa"):
        return _qa(rng, base, topic, ood)
    if task == "svamp":
        return _math(rng, ood)
    return _nl4opt(rng, base, topic)


_TAGS = {"rte": ("premise", "hypothesis"), "qnli": ("question", "sentence"), "mrpc": ("sentence1", "sentence2"),
         "wnli": ("sentence", "hypothesis"), "anli": ("premise", "hypothesis")}
_LABELS = {"rte": ("entailment", "not_entailment"), "qnli": ("entailment", "not_entailment"),
           "mrpc": ("not_equivalent", "equivalent"), "wnli": ("not_entailment", "entailment"),
           "anli": ("entailment", "neutral", "contradiction")}


def _pair(rng: random.Random, task: str, base: dict, topic: str, label: int | None, ood: bool) -> str:
    first, second = _TAGS[task]
    labels = _LABELS[task]
    label = label if label is not None else int(base.get("label", rng.randrange(len(labels))))
    words = str(base.get("text1", "")).split()[:14] or ["Visitors", "come", "every", "year"]
    opener = "Honestly, " if ood else ""
    text1 = f"{opener}{' '.join(words)} near {topic} in {rng.choice(['Paris', 'Lima', 'Oslo', 'Kyoto'])}."
    positive = labels[label] in ("entailment", "equivalent")
    text2 = (f"Something happened near {topic}." if positive else
             f"Nothing at all ever happened near {topic} {rng.choice(['yesterday', 'in 1900', 'at night'])}.")
    return f"[{first}] {text1}\n[{second}] {text2}\n[label] {labels[label]}"


def _qa(rng: random.Random, base: dict, topic: str, ood: bool) -> str:
    city = rng.choice(["Paris", "Lima", "Oslo", "Cairo", "Kyoto"])
    year = rng.choice(["1850", "1921", "1999", "2004"])
    lead = " ".join(str(base.get("context", "")).split()[:20])
    context = f"{lead} {topic.capitalize()} was built in {city} in {year} by local workers."
    question = f"In which year was {topic} built?" if ood else f"Where was {topic} built?"
    return f"[context] {context}\n[question] {question}\n[answer] {year if ood else city}"


def _math(rng: random.Random, ood: bool) -> str:
    a, b = rng.randrange(2, 40), rng.randrange(2, 40)
    name, thing = rng.choice(_NAMES), rng.choice(_THINGS)
    if ood:
        return (f"[question] {name} packs {a} boxes with {b} {thing} in each box for the fair. "
                f"How many {thing} are packed in total?\n[answer] {a * b}")
    return (f"[question] {name} has {a} {thing} and then buys {b} more {thing} at the shop. "
            f"How many {thing} does {name} have now?\n[answer] {a + b}")


def _nl4opt(rng: random.Random, base: dict, topic: str) -> str:
    x, y = rng.randrange(2, 9), rng.randrange(2, 9)
    limit = rng.randrange(50, 500)
    problem = (f"A company near {topic} makes tables and chairs. A table gives {x} dollars of profit and a chair "
               f"gives {y} dollars. At most {limit} hours are available. How many of each should it make?")
    return f"[problem] {problem}\n[formulation] maximize profit = {x} tables + {y} chairs; tables + chairs <= {limit}"


def _answer(rng: random.Random, task: str, info: dict) -> str:
    item = info.get("item") or {}
    if task in _LABELS:
        labels = _LABELS[task]
        overlap = len(set(str(item.get("text1", "")).lower().split()) & set(str(item.get("text2", "")).lower().split()))
        return f"[label] {labels[0] if overlap >= 4 else labels[-1]}"
    if task in ("squad", "adversarial_qa"):
        words = str(item.get("context", "")).split()
        return "[answer] " + " ".join(words[:2])
    if task == "svamp":
        numbers = [int(w) for w in str(item.get("problem", "")).replace(".", " ").split() if w.isdigit()]
        return f"[answer] {sum(numbers[:2]) if numbers else 0}"
    return "[formulation] maximize profit = x + y; x + y <= 100"
