"""Articles from the data mirror, their 80/20 split, and the two non-teacher training targets.

* CNN/DailyMail articles come from ``cnndm_sumllm`` (SumLLM's GPT-4 train and validation files:
  1,100 articles, each with a GPT-4-written summary, the "stronger teacher" reference).
* Wikinews articles come from ``corpus/`` (no summary of any kind).

The mirror holds no CNN/DM human highlights, so the human-written target is the article's **lead**:
its first sentences, written by the journalist (the classic Lead-3 baseline of CNN/DM). It is
human-written and summary-like, but it is not a highlight: it was written as an opening.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

#: where a sentence ends: . ! ? (optionally a closing quote) then space and an upper-case start
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['\"’”]))\s+(?=[\"'‘“(]?[A-Z0-9])")


@dataclass(frozen=True)
class Article:
    """One news article, cut to ``article_words`` words, with its non-teacher targets."""

    id: str
    source: str  # cnndm | wikinews
    text: str
    lead: str  # the first sentences: the human-written stand-in target
    gpt4: str | None = None  # SumLLM's GPT-4 summary (CNN/DM only)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (a rule of thumb for news prose, not a full segmenter)."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def lead(text: str, count: int = 3) -> str:
    """The first ``count`` sentences of ``text``."""
    return " ".join(sentences(text)[:count])


def cut(text: str, words: int) -> str:
    """The first ``words`` words of ``text`` (whitespace normalised)."""
    return " ".join(text.split()[:words])


def load_articles(sources: list[str], count: int, words: int, lead_sentences: int, seed: int) -> list[Article]:
    """``count`` articles drawn evenly from ``sources`` (seeded), each cut to ``words`` words."""
    per_source = [count // len(sources) + (1 if i < count % len(sources) else 0) for i in range(len(sources))]
    chosen: list[Article] = []
    for source, wanted in zip(sources, per_source, strict=True):
        pool = _cnndm() if source == "cnndm" else _wikinews()
        if wanted > len(pool):
            raise ValueError(f"{source} has {len(pool)} usable articles, {wanted} asked; lower articles")
        rng = random.Random(f"{seed}-{source}")
        for row in rng.sample(pool, wanted):
            text = cut(row["text"], words)
            chosen.append(Article(id=row["id"], source=source, text=text, lead=lead(row["text"], lead_sentences),
                                  gpt4=row.get("gpt4")))
    return chosen


def split(articles: list[Article], eval_share: float, seed: int) -> tuple[list[Article], list[Article]]:
    """A seeded train / eval split of whole articles (eval gets ``round(len * eval_share)``)."""
    order = list(articles)
    random.Random(f"{seed}-split").shuffle(order)
    held = max(1, round(len(order) * eval_share))
    return order[held:], order[:held]


def _cnndm() -> list[dict]:
    from synthlib.data import load_dataset

    rows, seen = [], set()
    for split_name in ("train", "validation"):
        for row in load_dataset("cnndm_sumllm", split_name, subset="gpt4"):
            key = row["article"][:200]
            if key not in seen and len(row["article"].split()) >= 80:
                seen.add(key)
                rows.append({"id": f"cnndm-{len(rows)}", "text": row["article"], "gpt4": row["summary"]})
    return rows


def _wikinews() -> list[dict]:
    from synthlib.data import load_dataset

    # short pieces and the gap-ridden openings WikiExtractor left (starting with punctuation) are skipped
    return [{"id": f"wikinews-{row['id']}", "text": row["text"]}
            for row in load_dataset("wikinews", "train")
            if len(row["text"].split()) >= 120 and row["text"][:1].isalnum()]
