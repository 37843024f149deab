"""``stand-in-scripted`` for capability transfer: a rule-based STAND-IN teacher (tests and smoke).

It is not a language model. For an article it picks the five most frequent content words as
"keywords" and writes an extractive "summary" from the sentences that hold them; for Q&A it asks
whether the summary mentions a word (yes for words it holds, no for words of a small bank it does
not). About one answer in ten is deliberately malformed in one of several ways, so that the
rejection counting runs too. Deterministic per request; the numbers it leads to say nothing about
capability transfer.
"""

from __future__ import annotations

import random
import re
from collections import Counter

from synthlib.teachers.base import Request
from synthlib.teachers.scripted import ScriptedTeacher

REFERENCE = "stand-in-scripted"

_STOP = set("""a an the and or but of to in on at for with from by as is are was were be been being has have had
it its this that these those he she they we you i his her their our your not no yes will would can could
said says say after before over under about into than then there here who whom which what when where why how
also more most very just one two three new first last year years time out up down off all any some such only
mr mrs ms""".split())
_ABSENT = ["volcano", "submarine", "orchestra", "glacier", "telescope", "lottery", "vaccine", "tornado"]
_BROKEN = ["I'm sorry, but I can't assist with that.",  # a refusal: missing tags
           "[keywords] apple, pear\n[summary] Too few keywords here.",  # wrong keyword count
           "[summary] A summary.\n[q1] Is it?\n[a1] maybe"]  # incomplete / not yes-no


def scripted_captransfer_teacher(name: str = REFERENCE) -> ScriptedTeacher:
    """The rule-based capability-transfer stand-in teacher."""
    return ScriptedTeacher(respond, name=name)


def respond(request: Request) -> str:
    """Answer one request from its ``metadata["captransfer"]`` description."""
    info = request.metadata.get("captransfer") or {}
    rng = random.Random(f"{request.effective_seed()}-{info.get('article', '')[:80]}")
    if rng.random() < 0.1:
        return rng.choice(_BROKEN)
    keywords, summary = _extract(info.get("article", ""), info.get("keywords", 5), info.get("sentences", 3))
    if info.get("task") == "summarization":
        return f"[keywords] {', '.join(keywords)}\n[summary] {summary}"
    lines = [f"[summary] {summary}"]
    present, absent = rng.sample(keywords, len(keywords)), rng.sample(_ABSENT, len(_ABSENT))
    for i in range(1, info.get("questions", 5) + 1):
        mentioned = bool(present) and (rng.random() < 0.65 or not absent)
        word = present.pop() if mentioned else absent.pop()
        lines += [f"[q{i}] Does the summary mention {word}?", f"[a{i}] {'Yes' if mentioned else 'No'}."]
    return "\n".join(lines)


def _extract(article: str, count: int, sentences: int) -> tuple[list[str], str]:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", article) if w.lower() not in _STOP and len(w) > 3]
    counts = Counter(w.lower() for w in words)
    keywords = [w for w, _ in counts.most_common(count)] or ["news"]
    while len(keywords) < count:
        keywords.append(f"item{len(keywords)}")
    parts = re.split(r"(?<=[.!?])\s+", " ".join(article.split()))
    ranked = sorted(parts, key=lambda s: -sum(k in s.lower() for k in keywords))[:sentences]
    summary = " ".join(s for s in parts if s in ranked)
    missing = [k for k in keywords if k not in summary.lower()]
    if missing:
        summary += f" It concerns {', '.join(missing)}."
    return keywords, summary
