"""Worked examples of every output format, built from TRAINING splits and corpora only.

Each output format of ``synthlib.tasks.formats`` gets (prompt, target) pairs whose prompt is the
format's own instruction template and whose target is rendered by the format. They serve as
few-shot examples for base-model teachers (``synthlib.teachers.delivery``) and, from a held-out
*probe* part, as inputs for the Teachers chapter:

=================  ==========================================================================
format             source (training splits / corpora only)
=================  ==========================================================================
keywords_summary   cnndm_sumllm gpt4 + gpt3 train: article -> 5 summary words found in the article + summary
summary_qa         cnndm_sumllm gpt3 train: 2-sentence summary + 5 "Does the summary say that ...?" questions,
                   yes = a sentence of this summary, no = a sentence of another article's summary
craft_qa           wikipedia + wikinews corpora: document -> a sentence of it (A. yes) or of another
                   document (B. no) as the question, in CRAFT's JSON layout
sentiment          sst2 train sentences (>= 6 words) with their labels
nli                rte train premise/hypothesis/label
nli_pair           rte train premise/hypothesis/label (the premise is written too)
math_qa            gsm8k train: another train problem as the example -> problem + final answer
question           mbpp train + csqa2 train: another question of the same source as the example
extractive_qa      wikipedia corpus: a document's opening paragraph; one of its sentences with a year or
                   a count asked about as a cloze question ("... in what year?", "... how many
                   miles ...?"), the year or number the answer (no extractive-QA train split is offline)
=================  ==========================================================================

Every source row is checked against every split a notebook evaluates on (all non-train splits
of the catalog, :func:`evaluated_texts`); a row sharing any text with them is dropped. Each
source's rows are split once, by a seeded shuffle, into a training part and a held-out *probe*
part (:data:`PROBE_SHARE`): probes are inputs no few-shot example shares.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from synthlib.tasks.formats import FORMATS

TRAIN_SPLITS = ("train", "round1", "round2")  # everything else in the catalog is evaluated on
PROBE_SHARE = 0.1
RTE_LABELS = ("entailment", "not_entailment")  # RTE's label ids, as the nli formats write them
PAIR_PREMISE_WORDS = 50  # nli_pair examples: whole RTE premises up to this length (73% of RTE train)
_STOP = set("""a an the and or but if of to in on at by for with from as is are was were be been being it its this
that these those he she they them his her their we our you your i my me not no yes will would can could has have had
do does did after before over under about into than then there here who whom which what when where why how said says
also more most other some such only just very up out new one two three first last year years""".split())


@dataclass(frozen=True)
class Example:
    """One instruction example: the prompt a method sends, the target a teacher should write."""

    format: str
    prompt: str
    target: str
    source: str  # dataset it came from
    texts: tuple[str, ...]  # every source text it uses (checked against evaluated splits)


def normalise(text: str) -> str:
    """Lower-case, single-spaced text for overlap checks."""
    return " ".join(str(text).lower().split())


class _Hashed(frozenset):
    """A set of sha1 digests of normalised texts; ``text in it`` hashes the (normalised) text first."""

    def __contains__(self, text: object) -> bool:
        return frozenset.__contains__(self, _digest(str(text)))


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def evaluated_texts() -> frozenset[str]:
    """Every text field of every split any notebook evaluates on (all non-train splits), normalised.

    Reading them all takes a while, so the digests are kept in ``$SYNTHLIB_CACHE_DIR/examples/``
    under the hash of the mirror's ``MANIFEST.sha256`` (a changed mirror is read again).
    """
    from synthlib.data.mirror import MANIFEST, data_dir
    from synthlib.teachers.cache import default_cache_dir

    root = data_dir()
    stamp = _digest((root / MANIFEST).read_text() + _catalog_key()) if root and (root / MANIFEST).is_file() else None
    path = default_cache_dir() / "examples" / f"evaluated-{stamp}.txt" if stamp else None
    if path is not None and path.is_file():
        return _Hashed(path.read_text().split())
    digests = _Hashed(_digest(t) for t in _read_evaluated())
    if path is not None:
        from synthlib.runs.atomic import write_text

        write_text(path, "\n".join(sorted(digests)))
    return digests


def _catalog_key() -> str:
    from synthlib.data.catalog import DATASETS

    return json.dumps({name: spec.parts() for name, spec in DATASETS.items()}, sort_keys=True, default=str)


def _read_evaluated() -> set[str]:
    from synthlib.data import load_dataset
    from synthlib.data.catalog import DATASETS

    texts: set[str] = set()
    for spec in DATASETS.values():
        for subset, split in spec.parts():
            if split in TRAIN_SPLITS:
                continue
            dataset = load_dataset(spec.name, split, subset=subset)
            for column, feature in dataset.features.items():
                if getattr(feature, "dtype", None) == "string":
                    texts.update(normalise(v) for v in dataset[column] if v and len(str(v)) > 15)
    return texts


def words(text: str, limit: int) -> str:
    """The first ``limit`` words of ``text``."""
    return " ".join(str(text).split()[:limit])


def sentences(text: str, low: int = 6, high: int = 30) -> list[str]:
    """Sentences of ``text`` with ``low`` to ``high`` words, quotes and backslashes removed."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(str(text).split()))
    clean = [p.replace('"', "").replace("\\", "").strip() for p in parts]
    return [s for s in clean if low <= len(s.split()) <= high and s[-1:] in ".!?"]


def detokenize(text: str) -> str:
    """Undo SST-2's PTB-style spacing ("it 's a film , and" -> "it's a film, and")."""
    text = " ".join(str(text).split()).replace("`` ", '"').replace(" ''", '"').replace("-lrb- ", "(")
    text = text.replace(" -rrb-", ")")
    return re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m|[.,;:!?%])", r"\1", text)


def keywords(summary: str, article: str, count: int = 5) -> list[str] | None:
    """``count`` distinct content words of the summary that also occur in the article, in order.

    Words are whole word tokens as keyword inclusion reads them (``\\w+``) made of letters only, so a
    keyword is always found in its own summary: "Tübingen" stays whole and "£2million" gives none.
    """
    article_words = set(re.findall(r"\w+", article.lower()))
    found: list[str] = []
    for word in re.findall(r"\w+", summary.lower()):
        if word.isalpha() and len(word) >= 4 and word not in _STOP and word in article_words and word not in found:
            found.append(word)
    return found[:count] if len(found) >= count else None


# -- per-format builders: (rows, rng, max_words) -> examples ------------------------------------

def _keywords_summary(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["keywords_summary"]
    for row in rows:
        article = words(row["article"], max_words)
        summary = " ".join(row["summary"].split())
        found = keywords(summary, article)
        if found:
            yield Example(fmt.name, fmt.prompt(article=article), fmt.render({"keywords": found, "summary": summary}),
                          "cnndm_sumllm", (row["article"], row["summary"]))


#: ways to ask whether the summary states a sentence (each sentence is asked about once)
_CLAIM_QUESTIONS = ("Does the summary say that {claim}?", "According to the summary, is it true that {claim}?",
                    "Is it stated in the summary that {claim}?")


def _summary_qa(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["summary_qa"]
    # a sentence that starts in lower case is a piece cut at an abbreviation ("... the U.S. | for their ...")
    pool = [s for row in rows for s in sentences(row["summary"], high=18) if s[:1].isupper()]
    for row in rows:
        shown = _lead_sentences(sentences(row["summary"], low=3, high=60), 60)  # room left for 5 questions
        own = [s for s in shown if 6 <= len(s.split()) <= 18 and s[:1].isupper()]  # "yes": what it shows
        if not own:
            continue
        values: dict[str, Any] = {"summary": " ".join(shown)}
        asked: set[str] = set()
        questions = [_claim_question(rng, own, pool, asked) for _ in range(5)]
        if None in questions:
            continue
        for k, (question, yes) in enumerate(questions, 1):
            values[f"q{k}"], values[f"a{k}"] = question, "yes" if yes else "no"
        yield Example(fmt.name, fmt.prompt(article=words(row["article"], max_words)), fmt.render(values),
                      "cnndm_sumllm", (row["article"], row["summary"]))


def _lead_sentences(parts: list[str], max_words: int, at_most: int = 3) -> list[str]:
    """The first sentences (at least one, at most ``at_most``) that fit in ``max_words`` words together."""
    shown: list[str] = []
    for sentence in parts[:at_most]:
        if shown and sum(len(s.split()) for s in [*shown, sentence]) > max_words:
            break
        shown.append(sentence)
    return shown


def _claim_question(rng, own: list[str], pool: list[str], asked: set[str]) -> tuple[str, bool] | None:
    """A yes/no question about a sentence not asked about yet (``asked``, which it joins): one of the
    summary's own (yes, 60% of the time while any is left) or another summary's (no); None when a
    few dozen draws find none (a pool with nothing but this summary's sentences)."""
    left = [s for s in own if s not in asked]
    for _ in range(50):
        yes = bool(left) and rng.random() < 0.6
        sentence = rng.choice(left) if yes else rng.choice(pool)
        if sentence in asked or (not yes and sentence in own):
            continue
        asked.add(sentence)
        claim = f"{sentence[0].lower()}{sentence[1:-1]}"
        return rng.choice(_CLAIM_QUESTIONS).format(claim=claim), yes
    return None


def _craft_qa(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["craft_qa"]
    pool = [s for row in rows[:2000] for s in sentences(row["text"])[:3]]
    for row in rows:
        document = words(row["text"], max_words).replace("\\", "")
        own = sentences(document)
        if not own:
            continue
        yes = rng.random() < 0.5
        question = rng.choice(own) if yes else rng.choice(pool)
        answer = "A." if yes or question in own else "B."
        yield Example(fmt.name, fmt.prompt(document=document), fmt.render({"question": question, "answer": answer}),
                      row["_source"], (row["text"],))


def _sentiment(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["sentiment"]
    for row in rows:
        text = detokenize(row["text"])
        if len(text.split()) >= 6:
            label = ("negative", "positive")[row["label"]]
            yield Example(fmt.name, fmt.prompt(label=label), fmt.render({"text": text, "label": label}), "sst2",
                          (row["text"],))


def _nli(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["nli"]
    for row in rows:
        label = RTE_LABELS[row["label"]]
        premise = words(row["text1"], max_words)
        yield Example(fmt.name, fmt.prompt(premise=premise, label=label),
                      fmt.render({"hypothesis": " ".join(row["text2"].split()), "label": label}), "rte",
                      (row["text1"], row["text2"]))


def _nli_pair(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["nli_pair"]
    for row in rows:
        if len(row["text1"].split()) > min(max_words, PAIR_PREMISE_WORDS):
            continue  # a cut premise no longer supports its label; long ones also eat a teacher's token budget
        label = RTE_LABELS[row["label"]]
        values = {"premise": " ".join(row["text1"].split()), "hypothesis": " ".join(row["text2"].split()),
                  "label": label}
        yield Example(fmt.name, fmt.prompt(label=label), fmt.render(values), "rte", (row["text1"], row["text2"]))


def _math_qa(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["math_qa"]
    for row in rows:
        example = rng.choice(rows)
        answer = str(row["final_answer"]).replace(",", "")
        if not re.fullmatch(r"-?\d+", answer) or example is row:
            continue
        question = " ".join(row["question"].split())
        yield Example(fmt.name, fmt.prompt(example=words(example["question"], max_words)),
                      fmt.render({"question": question, "answer": answer}), "gsm8k",
                      (row["question"], example["question"]))


def _question(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["question"]
    by_source: dict[str, list] = {}
    for row in rows:
        by_source.setdefault(row["_source"], []).append(row)
    for row in rows:
        example = rng.choice(by_source[row["_source"]])
        if example is row:
            continue
        yield Example(fmt.name, fmt.prompt(example=words(example["question"], max_words)),
                      fmt.render({"question": " ".join(row["question"].split())}), row["_source"],
                      (row["question"], example["question"]))


_YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-2]\d)\b")
_COUNT = re.compile(r"\b(\d{1,3}(?:,\d{3})*)(?= [a-z]{3,})")  # "12 miles", "1,200 people"


def cloze_question(sentence: str) -> tuple[str, str] | None:
    """(question, answer) asking for the first year or count of ``sentence``, or None when it has neither."""
    for pattern, phrase in ((_YEAR, "what year"), (_COUNT, "how many")):
        match = pattern.search(sentence)
        if match and match.start() > 0:
            question = sentence[:match.start()] + phrase + sentence[match.end():]
            return question.rstrip(" .!?") + "?", match.group(1)
    return None


def _askable(question: str, answer: str, context: str) -> bool:
    """A cloze question worth showing: a whole sentence (capitalised, not cut at an initial), short, and
    with one right span in its context."""
    whole = question[:1].isupper() and not re.search(r"\b[A-Z]\?$", question)
    return whole and len(question.split()) <= 22 and context.count(answer) == 1


def _extractive_qa(rows, rng, max_words) -> Iterator[Example]:
    fmt = FORMATS["extractive_qa"]
    for row in rows:
        lead = str(row["text"]).split("\n")[0]
        paragraph = []
        for sentence in sentences(lead, low=4, high=45):
            if len(" ".join(paragraph + [sentence]).split()) > min(max_words, 90):
                break
            paragraph.append(sentence)
        context = " ".join(paragraph)
        if "[" in context or "]" in context or re.search(r"\b[A-Z]\.$", paragraph[-1] if paragraph else ""):
            continue  # a bracket reads as a tag; "... by P." is a sentence cut at an initial
        # not the first sentence (it names the subject); short questions whose answer occurs once
        asked = [qa for qa in map(cloze_question, paragraph[1:]) if qa and _askable(*qa, context)]
        if len(context.split()) < fmt.min_words["context"] or not asked:
            continue
        question, answer = rng.choice(asked)
        values = {"context": context, "question": question, "answer": answer}
        yield Example(fmt.name, fmt.prompt(), fmt.render(values), row["_source"], (row["text"],))


def _rows(name: str, subset: str | None = None, limit: int | None = None, **rename: str) -> list[dict[str, Any]]:
    from synthlib.data import load_dataset

    dataset = load_dataset(name, "train", subset=subset, max_rows=limit)
    rows = []
    for row in dataset:
        row = {rename.get(k, k): v for k, v in row.items()}
        row["_source"] = name
        rows.append(row)
    return rows


# format -> (rows loader, builder). Loaders read TRAIN splits only.
SOURCES: dict[str, tuple[Callable[[], list[dict[str, Any]]], Callable]] = {
    "keywords_summary": (lambda: _rows("cnndm_sumllm", "gpt4") + _rows("cnndm_sumllm", "gpt3"), _keywords_summary),
    "summary_qa": (lambda: _rows("cnndm_sumllm", "gpt3"), _summary_qa),
    "craft_qa": (lambda: _rows("wikipedia", limit=6000) + _rows("wikinews", limit=6000), _craft_qa),
    "sentiment": (lambda: _rows("sst2", limit=30000), _sentiment),
    "nli": (lambda: _rows("rte"), _nli),
    "nli_pair": (lambda: _rows("rte"), _nli_pair),
    "math_qa": (lambda: _rows("gsm8k"), _math_qa),
    "question": (lambda: _rows("mbpp", text="question") + _rows("csqa2", limit=4000), _question),
    "extractive_qa": (lambda: _rows("wikipedia", limit=6000), _extractive_qa),
}


def split_rows(rows: list[dict[str, Any]], seed: int) -> tuple[list, list]:
    """(training part, probe part) of a source's rows: a seeded shuffle, PROBE_SHARE held out."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(rows) * PROBE_SHARE)
    return [rows[i] for i in order[cut:]], [rows[i] for i in order[:cut]]


def clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rows that share any text field with a split a notebook evaluates on."""
    evaluated = evaluated_texts()
    return [row for row in rows
            if not any(isinstance(v, str) and normalise(v) in evaluated for k, v in row.items() if k != "_source")]


def build_examples(fmt: str, per_format: int, seed: int, max_words: int, part: str = "train") -> list[Example]:
    """Up to ``per_format`` examples of ``fmt`` from the ``part`` ("train" or "probe") of its sources."""
    load, builder = SOURCES[fmt]
    train, probe = split_rows(clean_rows(load()), seed)
    rows = train if part == "train" else probe
    rng = random.Random(f"{seed}-{fmt}-{part}")
    rng.shuffle(rows)
    out = []
    for example in builder(rows, rng, max_words):
        out.append(example)
        if len(out) >= per_format:
            break
    return out
