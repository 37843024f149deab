"""Q&A train and held-out questions never share a summary; every target trains on the same articles."""

from synthlib.methods.captransfer.articles import Article
from synthlib.methods.captransfer.splits import qa_items, qa_rows, split_by_summary, summary_rows


def _values(n, duplicate_every=4):
    values = {}
    for i in range(n):
        # every few articles the teacher writes the same summary again (spacing and case differ)
        text = "Same  story AGAIN." if i % duplicate_every == 0 else f"Summary number {i}."
        values[f"a{i}"] = {"summary": text if i % 8 else text.lower(),
                           "pairs": [(f"Question {i}-{j}?", "yes" if j % 3 else "no") for j in range(5)]}
    return values


def _articles(n):
    return [Article(id=f"a{i}", source="cnndm", text=f"Article {i}.", lead=f"Lead {i}.", gpt4=None) for i in range(n)]


def test_train_and_held_out_questions_never_share_a_summary():
    items = qa_items(_articles(30), _values(30))
    for seed in range(5):
        train, held = split_by_summary(items, 0.2, seed)
        assert train and held and len(train) + len(held) == len(items)
        norm = lambda s: " ".join(s.lower().split())  # noqa: E731
        assert not {norm(i["summary"]) for i in train} & {norm(i["summary"]) for i in held}


def test_human_qa_rows_use_the_lead_with_the_teachers_question_and_answer():
    items = qa_items(_articles(3), _values(3))
    synthetic, human = qa_rows(items, "synthetic"), qa_rows(items, "human")
    assert [r["target"] for r in synthetic] == [r["target"] for r in human]
    assert all("Lead" in h["source"] and "Lead" not in s["source"] for s, h in zip(synthetic, human, strict=True))


def test_summary_targets_cover_the_same_articles_when_available():
    articles = _articles(4)
    values = {a.id: {"summary": f"S {a.id}", "keywords": ["k"] * 5} for a in articles}
    human, synthetic = summary_rows(articles, "human", values), summary_rows(articles, "synthetic", values)
    assert [r["id"] for r in human] == [r["id"] for r in synthetic]
    assert [r["source"] for r in human] == [r["source"] for r in synthetic]
    assert summary_rows(articles, "gpt4", values) == []  # no GPT-4 summary: no row
