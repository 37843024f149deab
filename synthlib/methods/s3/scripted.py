"""``stand-in-scripted``: a rule-based STAND-IN teacher for S3 (tests and the smoke profile).

It is not a language model. It reads what each request asks for (``metadata["s3"]``) and writes a
well-formed answer from small word banks and from the example it is asked to extrapolate (with
a few words dropped and swapped). It exists so that the whole S3 pipeline (rationales, seeds,
error extrapolation, baselines, ablations) runs offline in seconds and deterministically; the
numbers it leads to say nothing about S3 itself.
"""

from __future__ import annotations

import random

from synthlib.teachers.base import Request
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"

_RATIONALES = {
    0: ["a predictable plot", "wooden acting", "a dull script", "poor pacing", "cheap special effects",
        "an unconvincing ending", "flat characters", "tedious dialogue"],
    1: ["a gripping plot", "superb acting", "a witty script", "beautiful cinematography", "a moving score",
        "a satisfying ending", "memorable characters", "sharp dialogue"],
}
_OPENERS = {0: ["I regret watching this film.", "What a waste of two hours.", "This movie was a letdown."],
            1: ["I loved every minute of this film.", "What a wonderful movie.", "This film is a real treat."]}
_CLOSERS = {0: ["Avoid it.", "I would not recommend it.", "Terrible."],
            1: ["Highly recommended.", "A must see.", "Brilliant."]}
_FILLER = ["the story", "the cast", "the director", "the second half", "the soundtrack", "the characters"]


def scripted_s3_teacher(name: str = REFERENCE) -> ScriptedTeacher:
    """The rule-based S3 stand-in teacher."""
    return ScriptedTeacher(respond, name=name)


def respond(request: Request) -> str:
    """Answer one S3 request from its ``metadata["s3"]`` description."""
    info = request.metadata.get("s3") or {}
    rng = random.Random(request.effective_seed())
    step = info.get("step")
    if step == "rationales":
        picks = rng.sample(_RATIONALES[info["label"]], min(info.get("k", 5), len(_RATIONALES[info["label"]])))
        return "\n".join(f"{i + 1}. {p}" for i, p in enumerate(picks))
    if step in ("query_rationale", "plain") and info.get("task") == "imdb":
        return "[text] " + _review(rng, info.get("label", info.get("label_id", 0)) or 0, info.get("rationales"))
    if step == "query_context":
        return _part(rng, info["task"], info.get("context", ""), info.get("label_id"), info.get("answer"))
    if step == "plain":
        return _plain(rng, info["task"], info.get("label_id"))
    if step == "extrapolate":
        return _extrapolate(rng, info["task"], info["parent"])
    return "I cannot help with that."  # unparseable on purpose: counted as a rejection


def _review(rng: random.Random, label: int, rationales: list[str] | None) -> str:
    reasons = rationales or rng.sample(_RATIONALES[label], 2)
    middle = " and ".join(reasons)
    return (f"{rng.choice(_OPENERS[label])} It has {middle}, and {rng.choice(_FILLER)} "
            f"{'never works' if label == 0 else 'really works'}. {rng.choice(_CLOSERS[label])}")


def _part(rng: random.Random, task: str, context: str, label: int | None, answer: str | None) -> str:
    words = context.split()
    start = rng.randrange(max(1, len(words) - 6))
    span = " ".join(words[start:start + 6]).rstrip(".,")
    if task == "rte":
        return f"[hypothesis] {span}." if label == 0 else f"[hypothesis] It is not true that {span.lower()}."
    if task == "qnli":
        return f"[question] What does the text say about {span}?" if label == 0 else \
            f"[question] Who invented the {rng.choice(['telephone', 'radio', 'bicycle'])} in {span}?"
    return f"[question] What is mentioned near \"{span}\" in the text about {answer}?"


def _plain(rng: random.Random, task: str, label: int | None) -> str:
    topic = rng.choice(["the river", "the old castle", "the new library", "the festival", "the bridge"])
    city = rng.choice(["Paris", "Lima", "Oslo", "Cairo", "Kyoto"])
    if task == "rte":
        hyp = f"{topic} is in {city}." if label == 0 else f"{topic} was closed by the army."
        return f"[premise] Visitors come every year to see {topic} in {city}. [hypothesis] {hyp}"
    if task == "qnli":
        q = f"Where is {topic} located?" if label == 0 else f"How tall is the mayor of {city} today?"
        return f"[sentence] {topic.capitalize()} is located in {city} near the centre. [question] {q}"
    return (f"[context] {topic.capitalize()} stands in {city} and was built in 1850 by local workers. "
            f"[question] Where does {topic} stand? [answer] {city}")


def _extrapolate(rng: random.Random, task: str, parent: dict) -> str:
    tag, field = {"imdb": ("text", "text"), "rte": ("hypothesis", "text2"), "qnli": ("question", "text1"),
                  "adversarial_qa": ("question", "question")}[task]
    words = str(parent.get(field, "")).split()
    if len(words) > 4:  # drop one word and swap two neighbours: similar, not a copy
        del words[rng.randrange(len(words))]
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    words.append(rng.choice(["indeed", "too", "as well", "again"]))
    return f"[{tag}] " + " ".join(words)
