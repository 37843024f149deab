"""One :class:`DatasetSpec` per dataset of the local mirror (``../shared/data/SOURCES.md``).

A spec says where each split lives in the mirror, where it lives on the hub, which reader
normalises it, and what every output column means. ``synthlib.data.load`` turns a spec into a
``datasets.Dataset``; this module stays import-light so configs can validate dataset names fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synthlib.data import readers as r

MMLU_SUBJECTS = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
    "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
    "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
    "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry",
    "high_school_computer_science", "high_school_european_history", "high_school_geography",
    "high_school_government_and_politics", "high_school_macroeconomics", "high_school_mathematics",
    "high_school_microeconomics", "high_school_physics", "high_school_psychology", "high_school_statistics",
    "high_school_us_history", "high_school_world_history", "human_aging", "human_sexuality", "international_law",
    "jurisprudence", "logical_fallacies", "machine_learning", "management", "marketing", "medical_genetics",
    "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition", "philosophy", "prehistory",
    "professional_accounting", "professional_law", "professional_medicine", "professional_psychology",
    "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology", "world_religions",
)
MC_LABELS = ("A", "B", "C", "D")
PAIR_DOC = {"text1": "first sentence (premise / question)", "text2": "second sentence (hypothesis / sentence)",
            "label": "class index into label_names"}
QA_DOC = {"id": "question id", "context": "passage", "question": "question",
          "answers": "{text: [answer strings], answer_start: [character offsets into context]}"}
MC_DOC = {"question": "question text", "choices": "the four option texts (letter prefixes removed)",
          "label": "index of the correct option (0-3 = A-D)"}


@dataclass(frozen=True)
class HubSource:
    """Where a dataset lives on the Hugging Face hub, for machines with internet."""

    path: str
    config: str | None  # may hold "{subset}"
    splits: dict[str, tuple[str, ...]]  # our split -> hub split(s), concatenated
    normalise: Callable[[r.Row], r.Row]  # hub row -> the project's columns


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its splits, files in the mirror, hub source, columns and label names."""

    name: str
    description: str
    task: str
    files: dict[str, tuple[str, ...]]  # split -> mirror paths; "{subset}" is filled in
    reader: Callable[[list, str, str | None], list[r.Row]]
    columns: dict[str, str]
    label_names: tuple[str, ...] | None = None
    hub: HubSource | None = None
    subsets: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()
    notes: str = ""
    absent: frozenset[tuple[str, str]] = frozenset()  # (subset, split) pairs that do not exist

    @property
    def splits(self) -> tuple[str, ...]:
        """Split names, in the order they are listed."""
        return tuple(self.files)

    def has(self, split: str, subset: str | None = None) -> bool:
        """Whether this (split, subset) exists, e.g. CNN/DM's chatgpt teacher has no train split."""
        return split in self.files and (subset or "", split) not in self.absent

    def parts(self) -> list[tuple[str | None, str]]:
        """Every existing (subset, split) pair."""
        return [(subset, split) for subset in (self.subsets or (None,)) for split in self.splits
                if self.has(split, subset)]


def _glue(name: str, labels: tuple[str, ...], splits: dict[str, str], used_by: tuple[str, ...],
          desc: str) -> DatasetSpec:
    return DatasetSpec(
        name=name, description=desc, task="pair-classification",
        files={split: (f"glue/{name}/{file}",) for split, file in splits.items()},
        reader=r.glue_pair(labels), columns=PAIR_DOC,
        label_names=labels, used_by=used_by,
        hub=HubSource("nyu-mll/glue", name, {s: (s,) for s in splits}, r.hub_pair("sentence1", "sentence2")))


SPECS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        name="sst2", description="SST-2 movie-review sentences, binary sentiment (GLUE)",
        task="classification", files={"train": ("glue/sst2/train.tsv",), "validation": ("glue/sst2/dev.tsv",)},
        reader=r.sst2, columns={"text": "sentence", "label": "0 negative, 1 positive"},
        label_names=("negative", "positive"), used_by=("students",),
        hub=HubSource("stanfordnlp/sst2", None, {"train": ("train",), "validation": ("validation",)}, r.hub_sst2)),
    _glue("rte", ("entailment", "not_entailment"), {"train": "train.tsv", "validation": "dev.tsv"},
          ("s3", "gold"), "RTE textual entailment (GLUE); the S3 gold RTE split is identical"),
    _glue("wnli", ("not_entailment", "entailment"), {"train": "train.tsv", "validation": "dev.tsv"},
          ("gold",), "WNLI Winograd NLI (GLUE)"),
    DatasetSpec(
        name="mrpc", description="MRPC paraphrase pairs (GLUE); test is the labelled MSR test file",
        task="pair-classification",
        files={"train": ("glue/mrpc/train.tsv",), "validation": ("glue/mrpc/dev.tsv",),
               "test": ("glue/mrpc/msr_paraphrase_test.txt",)},
        reader=r.mrpc, columns=PAIR_DOC,
        label_names=("not_equivalent", "equivalent"), used_by=("gold",),
        hub=HubSource("nyu-mll/glue", "mrpc", {"train": ("train",), "validation": ("validation",), "test": ("test",)},
                      r.hub_pair("sentence1", "sentence2"))),
    DatasetSpec(
        name="qnli", description="QNLI question/sentence entailment, GLUE validation (from the S3 release)",
        task="pair-classification", files={"validation": ("s3_official/gold/qnli_test_gold.jsonl",)},
        reader=r.qnli, columns={"text1": "question", "text2": "sentence", "label": PAIR_DOC["label"]},
        label_names=("entailment", "not_entailment"), used_by=("s3", "gold"),
        hub=HubSource("nyu-mll/glue", "qnli", {"validation": ("validation",)}, r.hub_pair("question", "sentence"))),
    DatasetSpec(
        name="anli", description="Adversarial NLI v1.0, rounds 1-3 (dev and test)", task="pair-classification",
        files={f"{part}_r{k}": (f"anli/R{k}_{part}.jsonl",) for part in ("dev", "test") for k in (1, 2, 3)},
        reader=r.anli, columns={"uid": "example id", **PAIR_DOC, "reason": "annotator's reason (may be empty)"},
        label_names=("entailment", "neutral", "contradiction"), used_by=("gold",),
        hub=HubSource("facebook/anli", None, {f"{p}_r{k}": (f"{p}_r{k}",) for p in ("dev", "test") for k in (1, 2, 3)},
                      r.hub_anli)),
    DatasetSpec(
        name="imdb", description="IMDb movie reviews (aclImdb test set), binary sentiment", task="classification",
        files={"test": ("imdb/test.jsonl.gz",)}, reader=r.imdb,
        columns={"text": "review", "label": "0 negative, 1 positive"}, label_names=("negative", "positive"),
        used_by=("s3", "students"), hub=HubSource("stanfordnlp/imdb", None, {"test": ("test",)}, r.hub_text)),
    DatasetSpec(
        name="boolq", description="BoolQ yes/no questions over Wikipedia passages (SuperGLUE dev)",
        task="pair-classification", files={"validation": ("boolq/val.jsonl",)}, reader=r.boolq,
        columns={"question": "question", "passage": "passage", "label": "0 false, 1 true"},
        label_names=("false", "true"), used_by=("softsrv",),
        hub=HubSource("google/boolq", None, {"validation": ("validation",)}, r.hub_boolq)),
    DatasetSpec(
        name="squad", description="SQuAD v1.1 extractive QA (dev)", task="extractive-qa",
        files={"validation": ("squad_v1.1/dev-v1.1.json.gz",)}, reader=r.squad,
        columns={**QA_DOC, "title": "Wikipedia article title"}, used_by=("gold",),
        hub=HubSource("rajpurkar/squad", None, {"validation": ("validation",)},
                      r.hub_select("id", "title", "context", "question", "answers"))),
    DatasetSpec(
        name="adversarial_qa", description="AdversarialQA (dbidaf + dbert + droberta) validation, from the S3 release",
        task="extractive-qa", files={"validation": ("s3_official/gold/adqa_test_gold.jsonl",)},
        reader=r.adversarial_qa, columns=QA_DOC, used_by=("s3", "gold"),
        hub=HubSource("UCLNLP/adversarial_qa", "adversarialQA", {"validation": ("validation",)},
                      r.hub_select("id", "context", "question", "answers"))),
    DatasetSpec(
        name="svamp", description="SVAMP arithmetic word problems (all 1,000 challenge problems)", task="math",
        files={"test": ("svamp/SVAMP.json",)}, reader=r.svamp,
        columns={"id": "problem id", "body": "problem statement", "question": "question",
                 "equation": "reference equation", "answer": "numeric answer", "type": "operation type"},
        used_by=("gold",), notes="the hub copy splits the same 1,000 problems 700/300; 'test' joins them",
        hub=HubSource("ChilleD/SVAMP", None, {"test": ("train", "test")}, r._svamp_row)),
    DatasetSpec(
        name="nl4opt", description="NL4OPT optimisation word problems with their formulations (generation data)",
        task="generation",
        files={"validation": ("nl4opt/generation_dev.jsonl",), "test": ("nl4opt/generation_test.jsonl",)},
        reader=r.nl4opt,
        columns={"id": "problem id", "document": "problem text", "vars": "decision variables",
                 "params": "numbers in the text", "objective": "objective declaration (JSON)",
                 "constraints": "constraint declarations (JSON list)"},
        used_by=("gold",), notes="not on the hub in this form; the mirror is the only source"),
    DatasetSpec(
        name="gsm8k", description="GSM8K grade-school math word problems", task="math",
        files={"train": ("gsm8k/train.jsonl",), "test": ("gsm8k/test.jsonl",)}, reader=r.gsm8k,
        columns={"question": "problem", "answer": "worked solution ending in '#### <answer>'",
                 "final_answer": "the number after ####"},
        used_by=("softsrv",), hub=HubSource("openai/gsm8k", "main", {"train": ("train",), "test": ("test",)},
                                            r.gsm8k_row)),
    DatasetSpec(
        name="mbpp", description="MBPP Python programming problems, standard task_id splits", task="code",
        files={split: ("mbpp/mbpp.jsonl",) for split in r.MBPP_SPLITS}, reader=r.mbpp,
        columns={"task_id": "problem id", "text": "problem statement", "code": "reference solution",
                 "test_list": "assert statements", "test_setup_code": "code run before the tests",
                 "challenge_test_list": "extra asserts"},
        used_by=("softsrv",),
        hub=HubSource("google-research-datasets/mbpp", "full", {s: (s,) for s in r.MBPP_SPLITS}, r.mbpp_row)),
    DatasetSpec(
        name="csqa2", description="CommonsenseQA 2.0 yes/no questions (dev = CRAFT's CSQA eval set)",
        task="classification",
        files={"train": ("csqa2/CSQA2_train.json.gz",), "validation": ("csqa2/CSQA2_dev.json.gz",)},
        reader=r.csqa2, columns={"id": "question id", "question": "yes/no question", "label": "0 no, 1 yes"},
        label_names=("no", "yes"), used_by=("craft",),
        hub=HubSource("tasksource/commonsense_qa_2.0", None, {"train": ("train",), "validation": ("validation",)},
                      r.csqa2_row)),
    DatasetSpec(
        name="medmcqa", description="MedMCQA 4-option medical exam questions (validation = CRAFT's MedQA eval)",
        task="multiple-choice", files={"validation": ("medmcqa/validation.jsonl",)}, reader=r.medmcqa,
        columns=MC_DOC, label_names=MC_LABELS, used_by=("craft",),
        hub=HubSource("openlifescienceai/medmcqa", None, {"validation": ("validation",)}, r.hub_medmcqa)),
    DatasetSpec(
        name="mmlu", description="MMLU, 57 subjects, 4-option multiple choice", task="multiple-choice",
        files={"dev": ("mmlu/dev/{subset}_dev.csv",), "test": ("mmlu/test/{subset}_test.csv",)}, reader=r.mmlu,
        columns={"subject": "MMLU subject", **MC_DOC}, label_names=MC_LABELS, subsets=MMLU_SUBJECTS,
        used_by=("craft",), hub=HubSource("cais/mmlu", "{subset}", {"dev": ("dev",), "test": ("test",)}, r.hub_mmlu)),
    DatasetSpec(
        name="craft_fewshots", description="CRAFT's 32 human-written few-shots per task (first 8 = 8-shot setting)",
        task="few-shot", files={"train": ("craft_fewshots/{subset}.jsonl",)}, reader=r.craft_fewshots,
        columns={"task": "CRAFT task", "text": "the human-written corpus document", "instruction": "task instruction",
                 "output": "reference output"},
        subsets=("bioqa", "csqa", "medqa", "recipegen", "summarization"), used_by=("craft",),
        notes="released on GitHub with CRAFT, not on the hub"),
    DatasetSpec(
        name="cnndm_sumllm", description="CNN/DailyMail articles with LLM-written reference summaries (SumLLM)",
        task="summarization",
        files={"train": ("cnndm_sumllm/{subset}_train.jsonl.gz",), "validation": ("cnndm_sumllm/{subset}_val.jsonl.gz",)},
        reader=r.cnndm_sumllm,
        columns={"article": "news article", "summary": "the LLM-written summary (not human highlights)",
                 "teacher": "which LLM wrote it"},
        subsets=("gpt4", "gpt3", "chatgpt"), used_by=("captransfer",), absent=frozenset({("chatgpt", "train")}),
        notes="chatgpt has only a validation split; gpt3 is text-davinci-003"),
    DatasetSpec(
        name="cnndm_test100", description="100 CNN/DailyMail test articles with five LLMs' summaries (SumLLM)",
        task="summarization",
        files={"test": ("cnndm_sumllm/test100.source.gz",
                        *(f"cnndm_sumllm/llm_outputs_test100/{m}.txt" for m in r.CNNDM_TEST100_MODELS))},
        reader=r.cnndm_test100,
        columns={"article": "news article", **{f"summary_{m}": f"{m}'s summary" for m in r.CNNDM_TEST100_MODELS}},
        used_by=("captransfer",)),
    DatasetSpec(
        name="s3_synthetic", description="S3's released GPT-3.5 error-extrapolation rounds (real teacher outputs)",
        task="classification",
        files={"round1": ("s3_official/synthetic/{subset}_additional{sep}1{pkl}.jsonl",),
               "round2": ("s3_official/synthetic/{subset}_additional{sep}2{pkl}.jsonl",)},
        reader=r.s3_synthetic,
        columns={"text": "review (imdb)", "text1": "premise (rte)", "text2": "hypothesis (rte)",
                 "label": "imdb: 0 negative, 1 positive; rte: 0 entailment, 1 not_entailment"},
        subsets=("imdb", "rte", "rte_pkl"), used_by=("s3",),
        notes="rte_pkl is the pickle release main_rte.py trains on; its round 1 differs from the JSON one"),
    DatasetSpec(
        name="wikipedia", description="English Wikipedia slice (24k pages, early 2018) for retrieval",
        task="corpus", files={"train": ("corpus/wikipedia_en_sample.jsonl.gz",)}, reader=r.corpus,
        columns={"id": "page id", "title": "page title", "text": "page text"}, used_by=("craft", "gold"),
        notes="a slice of a dump; the hub's wikimedia/wikipedia is a different (full) snapshot"),
    DatasetSpec(
        name="wikinews", description="English Wikinews articles (2004 onward) for retrieval", task="corpus",
        files={"train": ("corpus/wikinews_en.jsonl.gz",)}, reader=r.corpus,
        columns={"id": "article id", "title": "headline", "text": "article text"}, used_by=("craft", "gold"),
        notes="some wiki-linked words were removed by WikiExtractor"),
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in SPECS}


def mirror_paths(spec: DatasetSpec, split: str, subset: str | None) -> list[str]:
    """Relative mirror paths of one split (subset filled in)."""
    fill = {"subset": subset or "", "sep": "_", "pkl": ""}
    if spec.name == "s3_synthetic" and subset == "rte_pkl":
        # the pickle release is named rte_additional-<k>_pkl
        fill = {"subset": "rte", "sep": "-", "pkl": "_pkl"}
    return [path.format(**fill) for path in spec.files[split]]


_TEXT_COLUMN_CHOICES = (("text",), ("text1", "text2"), ("context",), ("article",), ("document",),
                        ("body", "question"), ("question", "passage"), ("question",))


def text_columns(column_names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Of a dataset's columns, those that make up a sample's main input text (for length statistics)."""
    for choice in _TEXT_COLUMN_CHOICES:
        if all(column in column_names for column in choice):
            return choice
    raise KeyError(f"no known text column among {list(column_names)}")


def parse_name(name: str, require_subset: bool = False) -> tuple[DatasetSpec, str | None]:
    """Split ``"name"`` or ``"name/subset"`` into its spec and subset; raise ConfigError if unknown.

    A bare name of a dataset with subsets stands for all of them unless ``require_subset``.
    """
    from synthlib.config import ConfigError, _unknown

    base, _, subset = name.partition("/")
    if base not in DATASETS:
        raise ConfigError(_unknown("dataset", base, DATASETS, "see `synthlib data list`"))
    spec = DATASETS[base]
    if subset and subset not in spec.subsets:
        raise ConfigError(_unknown(f"subset of {base}", subset, spec.subsets or ["(none)"], "fix the part after '/'"))
    if require_subset and spec.subsets and not subset:
        raise ConfigError(f"dataset '{base}' needs a subset: write '{base}/<subset>' with one of "
                          f"{', '.join(spec.subsets[:8])}{' ...' if len(spec.subsets) > 8 else ''}")
    return spec, subset or None


def check_dataset_name(name: object, field: str = "dataset") -> None:
    """Raise ConfigError naming ``field`` when ``name`` is not a known dataset (or dataset/subset)."""
    from synthlib.config import ConfigError

    if not isinstance(name, str):
        raise ConfigError(f"'{field}' must be a dataset name (str), got {name!r}")
    try:
        parse_name(name)
    except ConfigError as err:
        raise ConfigError(f"{field}: {err}") from None
