"""Teacher requests for both problems and the tagged parsers that read the answers.

Every malformed answer is a counted rejection (``ParseReport``), never an exception: missing or
repeated tags (from ``parse_tagged``), the wrong number of keywords, a repeated keyword, a summary
that misses one of its own keywords, an answer that is not yes or no, a repeated question.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from synthlib.methods.captransfer.articles import Article
from synthlib.prompts import captransfer as prompts
from synthlib.teachers.base import Request, SamplingParams, Teacher
from synthlib.teachers.parsing import Parsed, ParseReport, parse_label, parse_tagged, safe_parse

#: teachers that continue a plain prompt (no chat template)
BASE_TEACHERS = ("gemma-3-270m",)
#: the registered output format of each problem's answer (``synthlib.tasks.formats``), for constrained requests
CONSTRAINED_FORMATS = {"summarization": "keywords_summary", "qa": "summary_qa"}


@dataclass(frozen=True)
class Decoding:
    """How the teacher decodes, and how many keywords / questions / sentences it is asked for."""

    temperature: float = 0.7
    top_p: float = 0.95
    max_new_tokens: int = 320
    keywords: int = 5
    questions: int = 5
    sentences: int = 3
    system_prompt: bool = True
    prefill: bool = True
    require_keywords_in_summary: bool = True
    seed: int = 0
    constrained: bool = False  # ask through CONSTRAINED_FORMATS (the delivery layer prompts, the decoder writes tags)


@dataclass
class Synthesis:
    """The parsed answers of one problem (article id -> value) and the rejection counts."""

    task: str
    values: dict[str, dict] = field(default_factory=dict)
    report: ParseReport = field(default_factory=ParseReport)
    rejected: dict[str, str] = field(default_factory=dict)  # article id -> reason
    resumed: int = 0  # answers that stopped before their [summary] and were asked to go on


def uses_chat(reference: str) -> bool:
    """True for teachers that get chat messages (instruct models, endpoints); base LMs get a prompt."""
    return not (reference in BASE_TEACHERS or reference.startswith(("stand-in", "tiny-random")))


def request(task: str, article: Article, decoding: Decoding, chat: bool) -> Request:
    """The teacher request for one article (``task``: summarization or qa)."""
    if task == "summarization":
        text = prompts.SUMMARY_REQUEST.format(keywords=decoding.keywords, sentences=decoding.sentences,
                                              article=article.text)
    else:
        text = prompts.QA_REQUEST.format(sentences=decoding.sentences, questions=decoding.questions,
                                         pairs=prompts.qa_pairs_template(decoding.questions), article=article.text)
    sampling = SamplingParams(max_new_tokens=decoding.max_new_tokens, temperature=decoding.temperature,
                              top_p=decoding.top_p)
    metadata = {"captransfer": {"task": task, "article": article.text, "keywords": decoding.keywords,
                                "questions": decoding.questions, "sentences": decoding.sentences}}
    if decoding.constrained:  # the delivery layer turns it into chat or few-shot; the decoder writes the tags
        return Request(prompt=text, sampling=sampling, seed=decoding.seed, metadata=metadata,
                       constraint=CONSTRAINED_FORMATS[task])
    if chat:
        system = [{"role": "system", "content": prompts.SYSTEM}] if decoding.system_prompt else []
        start = [{"role": "assistant", "content": prefill_text(task)}] if decoding.prefill else []
        return Request(messages=(*system, {"role": "user", "content": text}, *start), sampling=sampling,
                       seed=decoding.seed, metadata=metadata)
    return Request(prompt=text + prompts.BASE_SUFFIX, sampling=sampling, seed=decoding.seed, metadata=metadata)


def prefill_text(task: str) -> str:
    """The answer start a chat teacher continues: its first tag (the coder models then keep the format)."""
    return "[keywords]" if task == "summarization" else "[summary]"


def answer_text(request_: Request, text: str) -> str:
    """The whole answer: a prefilled assistant turn plus what the teacher generated after it."""
    messages = request_.messages or ()
    if messages and messages[-1]["role"] == "assistant" and not text.lstrip().startswith(messages[-1]["content"]):
        return messages[-1]["content"] + " " + text.lstrip()
    return text


def split_keywords(text: str) -> list[str]:
    """Keywords from ``a, b; c`` or one per line, with bullets, numbers, quotes and end dots removed."""
    parts = re.split(r"[,;\n]", text)
    cleaned = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", p).strip().strip("\"'“”‘’`*").rstrip(".").strip()
               for p in parts]
    return [c for c in cleaned if c]


def parse_summary_answer(text: str, keywords: int = 5, require_in_summary: bool = True) -> Parsed:
    """``[keywords] a, b, c, d, e [summary] ...`` -> ``{"keywords": [...], "summary": ...}``.

    A list longer than ``keywords`` is cut to the first ``keywords`` entries the summary contains
    (``listed_keywords`` records how many were listed); a shorter one is rejected.
    """
    from synthlib.metrics.text import keyword_inclusion

    tagged = parse_tagged(text, ["keywords", "summary"])
    if not tagged.ok:
        return tagged
    words = split_keywords(tagged.value["keywords"])
    if len(words) < keywords:
        return Parsed.reject("wrong keyword count")
    if len({w.lower() for w in words}) < len(words):
        return Parsed.reject("repeated keyword")
    summary = " ".join(tagged.value["summary"].split())
    # real instruct teachers (Qwen2.5-Coder-1.5B: 7 of 12 answers) list 6-13 keywords for 5; keep the first
    # ones in the teacher's order that the summary holds (for exactly 5, that is all of them)
    held = [w for w in words if not require_in_summary or keyword_inclusion(summary, [w]) == 1.0]
    if len(held) < keywords:
        return Parsed.reject("summary misses a keyword")
    value = {"keywords": held[:keywords], "summary": summary}
    if len(words) > keywords:
        value["listed_keywords"] = len(words)
    return Parsed(True, value)


def parse_qa_answer(text: str, questions: int = 5) -> Parsed:
    """``[summary] ... [q1] ... [a1] yes ...`` -> ``{"summary": ..., "pairs": [(question, yes|no), ...]}``."""
    tags = ["summary", *(f"{kind}{i}" for i in range(1, questions + 1) for kind in ("q", "a"))]
    tagged = parse_tagged(text, tags)
    if not tagged.ok:
        return tagged
    pairs = []
    for i in range(1, questions + 1):
        label = parse_label(tagged.value[f"a{i}"], ("yes", "no"))
        if not label.ok:
            return Parsed.reject("answer not yes/no")
        pairs.append((" ".join(tagged.value[f"q{i}"].split()), label.value))
    if len({q.lower() for q, _ in pairs}) < len(pairs):
        return Parsed.reject("repeated question")
    return Parsed(True, {"summary": " ".join(tagged.value["summary"].split()), "pairs": pairs})


def parser_for(task: str, decoding: Decoding):
    """The parser of ``task``'s answers."""
    if task == "summarization":
        return lambda text: parse_summary_answer(text, decoding.keywords, decoding.require_keywords_in_summary)
    return lambda text: parse_qa_answer(text, decoding.questions)


def resume_request(request_: Request, answer: str) -> Request | None:
    """A request that continues a chat answer which stopped after its keywords, or None.

    Qwen2.5-Coder-1.5B ended 3 of 12 summarization answers right after the ``[keywords]`` line. The
    same assistant turn, prefilled with those keywords and ``[summary]``, asks for the missing part
    only; the keywords stay the teacher's own.
    """
    messages = request_.messages or ()
    lowered = answer.lower()
    if not messages or messages[-1]["role"] != "assistant" or "[keywords]" not in lowered or "[summary]" in lowered:
        return None
    turn = {"role": "assistant", "content": answer.rstrip() + "\n[summary]"}
    return dataclasses.replace(request_, messages=(*messages[:-1], turn))


def synthesize(task: str, articles: list[Article], teacher: Teacher, decoding: Decoding,
               chat: bool) -> Synthesis:
    """Ask the (cached) teacher about every article; keep the answers that parse, count the others.

    A summarization answer that stopped (not cut at the token limit) before its summary is resumed
    once (:func:`resume_request`) before it is parsed.
    """
    requests = [request(task, article, decoding, chat) for article in articles]
    generations = list(teacher.generate(requests))
    texts = [_whole(r, g) for r, g in zip(requests, generations, strict=True)]
    result = Synthesis(task)
    if task == "summarization":
        result.resumed = _resume_stopped(requests, texts, generations, teacher)
    parse = parser_for(task, decoding)
    for article, generation, text in zip(articles, generations, texts, strict=True):
        parsed = safe_parse(parse, text)
        if parsed.ok is False and generation.finish_reason == "length":
            parsed = Parsed.reject(f"{parsed.reason} (cut at the token limit)")
        result.report.add(parsed)
        if parsed.ok:
            result.values[article.id] = parsed.value
        else:
            result.rejected[article.id] = parsed.reason or "unknown"
    return result


def _whole(request_: Request, generation) -> Any:
    """The whole answer text (prefill included); a scripted teacher's non-text answer as it is."""
    return answer_text(request_, generation.text) if isinstance(generation.text, str) else generation.text


def _resume_stopped(requests, texts: list, generations: list, teacher: Teacher) -> int:
    """Replace, in place, each answer that stopped early by its resumed whole; return how many were resumed."""
    todo = {i: resumed for i, (r, t, g) in enumerate(zip(requests, texts, generations, strict=True))
            if isinstance(t, str) and g.finish_reason != "length" and (resumed := resume_request(r, t)) is not None}
    if todo:
        for i, generation in zip(todo, teacher.generate(list(todo.values())), strict=True):
            texts[i], generations[i] = _whole(todo[i], generation), generation
    return len(todo)
