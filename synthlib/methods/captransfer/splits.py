"""Training rows of both problems, and the Q&A split that never lets a summary cross sides.

Summarization rows pair an article with one target (the teacher's summary, the lead, or GPT-4's).
Q&A rows pair a summary with one question; the split is by **summary** (normalised text), so a
held-out question always comes with a summary the student never trained on.
"""

from __future__ import annotations

import random

from synthlib.methods.captransfer.articles import Article
from synthlib.prompts import captransfer as prompts


def summary_prompt(article_text: str) -> str:
    """The student's input for one article."""
    return prompts.STUDENT_SUMMARY.format(article=article_text)


def qa_prompt(summary: str, question: str) -> str:
    """The student's input for one (summary, question) pair."""
    return prompts.STUDENT_QA.format(summary=summary, question=question)


def summary_rows(articles: list[Article], target: str, teacher_values: dict[str, dict]) -> list[dict]:
    """(prompt, target) rows for ``target``: synthetic (teacher summary), human (lead) or gpt4."""
    rows = []
    for article in articles:
        if target == "synthetic":
            text = teacher_values.get(article.id, {}).get("summary")
        elif target == "human":
            text = article.lead
        else:
            text = article.gpt4
        if text:
            rows.append({"id": article.id, "source": summary_prompt(article.text), "target": text})
    return rows


def summary_eval_rows(articles: list[Article], teacher_values: dict[str, dict]) -> list[dict]:
    """Held-out articles with the teacher's keywords (the metric); articles the teacher failed on drop out."""
    return [{"id": a.id, "source": summary_prompt(a.text), "keywords": teacher_values[a.id]["keywords"]}
            for a in articles if a.id in teacher_values]


def qa_items(articles: list[Article], teacher_values: dict[str, dict]) -> list[dict]:
    """One item per (article, question): the teacher's summary, question and answer, plus the lead."""
    return [{"id": f"{a.id}-q{i}", "article": a.id, "summary": teacher_values[a.id]["summary"], "lead": a.lead,
             "question": question, "answer": answer}
            for a in articles if a.id in teacher_values
            for i, (question, answer) in enumerate(teacher_values[a.id]["pairs"], start=1)]


def split_by_summary(items: list[dict], eval_share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Train and held-out questions; every summary's questions land on one side only."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(_key(item["summary"]), []).append(item)
    keys = sorted(groups)
    random.Random(f"{seed}-qa-split").shuffle(keys)
    held = max(1, round(len(keys) * eval_share)) if len(keys) > 1 else 0
    held_keys = set(keys[:held])
    train = [i for k in keys if k not in held_keys for i in groups[k]]
    evaluation = [i for k in keys if k in held_keys for i in groups[k]]
    return train, evaluation


def qa_rows(items: list[dict], target: str) -> list[dict]:
    """(prompt, answer) rows: the teacher's summary (synthetic) or the article's lead (human) as context."""
    context = "summary" if target == "synthetic" else "lead"
    return [{"id": i["id"], "source": qa_prompt(i[context], i["question"]), "target": i["answer"]} for i in items]


def _key(summary: str) -> str:
    return " ".join(summary.lower().split())
