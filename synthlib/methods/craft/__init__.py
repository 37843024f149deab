"""CRAFT, "Corpus Retrieval and Augmentation for Fine-Tuning" (Ziegler et al., 2024): a few
human-written few-shots define the task; similar human-written documents are retrieved from a
corpus and a teacher rewrites each into a task sample; a LoRA student learns from them.

``CraftConfig.from_profile(profile, params)`` then ``run(config, run_dir)`` -> :class:`Result`: our
numbers for CRAFT at sizes XS (the few-shots) to XL and for its baselines (the few-shots alone, the
teacher itself, in-domain human data, Self-Instruct, Evol-Instruct) beside the paper's.

Submodules: ``tasks`` (few-shots, test sets, in-domain data), ``retrieval`` (corpus store and the
mixed search), ``synthesis`` (augmentation prompts, teacher answers, filters), ``baselines``
(Self-/Evol-Instruct), ``students`` (LoRA training, letter log-prob scoring, judged summaries),
``method`` (the comparison), ``ablations``, ``scripted`` (the scripted STAND-IN teacher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from synthlib.config import BaseConfig, ConfigError, check_choices, option

TASK_CHOICES = ("bioqa", "medqa", "csqa", "summarization")
SIZE_CHOICES = ("XS", "S", "M", "L", "XL")
#: methods of the main comparison: craft and the baselines
METHODS = ("craft", "fewshots", "teacher", "in_domain", "self_instruct", "evol_instruct")

#: the paper's published numbers (Mistral-7B student and teacher, 32 few-shots). Accuracy % for the
#: QA tasks, judged win rate % for summarization. Section 5.1 / Figure 3 (XS and XL), Table 2
#: (8 vs 32 few-shots at XL), section 5.2 (5-gram weighted Jaccard of in-domain sets vs test).
PAPER = {
    "XS": {"bioqa": 65.7, "csqa": 55.3, "medqa": 39.1, "summarization": 43.7},
    "XL": {"bioqa": 80.4, "csqa": 62.1, "medqa": 48.0, "summarization": 97.9},
}
PAPER_FEWSHOTS = {8: {"bioqa": 74.31, "csqa": 60.49, "medqa": 46.83, "summarization": 98.70},
                  32: {"bioqa": 79.85, "csqa": 61.39, "medqa": 47.50, "summarization": 98.40}}
PAPER_CONTAMINATION = {"craft": "< 0.4 (every task and size)",
                       "in_domain": {"bioqa": 16.6, "csqa": 4.4, "medqa": 1.1, "summarization": 0.3}}
#: paper Table 1: CRAFT-XL vs in-domain on MMLU biology subjects (accuracy %)
PAPER_MMLU = {"medical_genetics": (67.0, 66.0), "anatomy": (58.5, 60.0), "high_school_biology": (68.1, 69.0),
              "college_biology": (69.4, 70.8)}
#: paper Tables 5-7 and 9, size S: 240 retrieved documents and what each filter removed
PAPER_FILTERS_S = {
    "bioqa": {"retrieved": 240, "exact_duplicate": 25, "too_long": 2, "format": 10, "too_similar_to_fewshot": 0,
              "near_duplicate": 9, "kept": 194},
    "csqa": {"retrieved": 240, "exact_duplicate": 24, "too_long": 2, "format": 5, "too_similar_to_fewshot": 11,
             "near_duplicate": 14, "kept": 184},
    "medqa": {"retrieved": 240, "exact_duplicate": 24, "too_long": 1, "format": 15, "too_similar_to_fewshot": 0,
              "near_duplicate": 3, "kept": 197},
    "summarization": {"retrieved": 240, "exact_duplicate": 24, "too_long": 34, "format": 55,
                      "too_similar_to_fewshot": 21, "near_duplicate": 1, "kept": 105},
}
DEFAULT_SIZES = {"S": 100, "M": 500, "L": 5000, "XL": 25000}


@dataclass
class CraftConfig(BaseConfig):
    """Parameters of the CRAFT chapter (and, through subclasses, of its ablations)."""

    name = "craft"

    teacher: str = option("stand-in-scripted", "Teacher: stand-in-scripted (rule-based STAND-IN), a packaged alias, "
                          "an HF id/path or openai:<model>@<url>.", kind="model")
    chat: bool = option(True, "Send chat messages (instruct teachers); False sends a plain prompt (base models).")
    judge: str = option("", "LLM judge for summarization win rates (empty: the teacher).")
    student: str = option("tiny-random-gpt2", "Causal student the LoRA adapters are trained on.", kind="model")
    embedder: str = option("minilm", "Sentence encoder of the corpus store and the few-shots.", kind="model")
    tasks: list[str] = option(["bioqa", "medqa", "csqa"], f"Tasks: any of {', '.join(TASK_CHOICES)}.")
    methods: list[str] = option(list(METHODS), f"Methods compared: any of {', '.join(METHODS)}.")
    n_fewshots: int = option(8, "Human-written few-shots that start CRAFT (paper: 8 or 32).")
    fewshot_source: str = option("human", "Few-shot samples: human (CRAFT's) or teacher (written by the teacher "
                                 "from the few-shot texts).")
    sizes: list[str] = option(["XS", "S"], "Dataset sizes trained: XS (the few-shots), S, M, L, XL.")
    size_rows: dict[str, int] = option(dict(DEFAULT_SIZES), "Rows of each size but XS (paper: S 100, M 500, "
                                       "L 5000, XL 25000).")
    retrieve_factor: float = option(2.0, "Documents retrieved per target sample (paper: about 2.4).")
    few_shot_share: float = option(0.5, "Share of documents retrieved per few-shot; the rest by the mean embedding.")
    top_percent: float = option(5.0, "Two-stage search: rows kept per shard in percent (paper: 5; 0 = exact).")
    corpus: list[str] = option(["wikipedia", "wikinews"], "Corpus sources (catalog names or .jsonl/.parquet paths).")
    max_docs: int = option(0, "Documents in the corpus store (0: every admitted one).")
    max_seq_length: int = option(256, "Encoder tokens per document.")
    shard_size: int = option(4096, "Documents per fp16 shard.")
    dask: bool = option(False, "Build and search the store with Dask (one task per shard; local threads).")
    document_chars: int = option(3000, "Characters of a retrieved document shown to the teacher.")
    fewshot_chars: int = option(1500, "Characters of each few-shot's text shown to the teacher.")
    temperature: float = option(0.7, "Teacher sampling temperature (paper: 0.7).")
    top_p: float = option(0.9, "Teacher nucleus mass (paper: 0.9).")
    top_k: int = option(40, "Teacher top-k cut (paper: 40).")
    max_new_tokens: int = option(256, "Teacher tokens per QA sample (paper: 256).")
    summary_max_new_tokens: int = option(768, "Teacher tokens per summarization step (paper: 1536).")
    max_words: int = option(400, "Longest teacher answer kept, in words (the 'excessive length' filter).")
    fuzzy_threshold: float = option(85.0, "token_set_ratio above which a sample is too similar (paper: 85).")
    evol_rounds: int = option(3, "Self-/Evol-Instruct rounds (each grows the pool the next round draws from).")
    epochs: float = option(3.0, "Student epochs (paper: 3).")
    batch_size: int = option(16, "Student batch size (paper: 16).")
    fewshot_batch_size: int = option(2, "Student batch size on the few-shots alone (paper: 2).")
    learning_rate: float = option(1e-4, "AdamW learning rate (paper: 1e-4).")
    weight_decay: float = option(0.05, "AdamW weight decay (paper: 0.05).")
    warmup_ratio: float = option(0.1, "Linear warm-up share of the steps (paper: 0.1).")
    lora_r: int = option(64, "LoRA rank (paper: 64).")
    lora_alpha: int = option(64, "LoRA alpha (paper: 64).")
    lora_dropout: float = option(0.1, "LoRA dropout (paper: 0.1).")
    max_length: int = option(512, "Student tokens per training example.")
    test_rows: int = option(500, "Test rows per task (0: all), the same rows for every method.")
    mmlu_subjects: list[str] = option(["high_school_biology", "college_biology", "medical_genetics", "anatomy"],
                                      "MMLU subjects that make BioQA's test set.")
    summary_tokens: int = option(128, "Tokens of a student's (or teacher's) test summary.")
    work_dir: str = option("", "Folder for datasets and state (default: the run dir).")

    def validate(self) -> None:
        """Known tasks, methods and sizes; positive budgets; a share in [0, 1]."""
        super().validate()
        check_choices(self.tasks, TASK_CHOICES, "task", "tasks")
        check_choices(self.methods, METHODS, "method", "methods")
        check_choices(self.sizes, SIZE_CHOICES, "size", "sizes")
        check_choices(self.size_rows, SIZE_CHOICES[1:], "size", "size_rows")
        missing = [s for s in self.sizes if s != "XS" and s not in self.size_rows]
        if missing:
            raise ConfigError(f"sizes {missing} have no row count; add them to size_rows, e.g. {{'S': 100}}")
        if self.n_fewshots < 3 or self.n_fewshots > 32:
            raise ConfigError(f"n_fewshots must lie in 3..32 (a prompt shows 3; CRAFT ships 32), got {self.n_fewshots}")
        if self.fewshot_source not in ("human", "teacher"):
            raise ConfigError(f"fewshot_source must be human or teacher, got '{self.fewshot_source}'")
        if not 0.0 <= self.few_shot_share <= 1.0 or self.retrieve_factor < 1.0:
            raise ConfigError("need 0 <= few_shot_share <= 1 and retrieve_factor >= 1")
        if not 0.0 <= self.top_percent <= 100.0:
            raise ConfigError(f"top_percent must lie in [0, 100] (0 = exact search), got {self.top_percent}")
        if self.student in ("minilm", "tiny-random-bert", "tiny-random-t5"):
            raise ConfigError(f"student '{self.student}' is not a causal LM; CRAFT trains LoRA on a causal model: use "
                              "gemma-3-270m, qwen2.5-coder-0.5b-instruct, tiny-random-gpt2 or a hub id/path")
        if min(self.size_rows.values(), default=1) < 1 or self.epochs <= 0 or min(self.batch_size, self.lora_r) < 1:
            raise ConfigError("need size_rows >= 1, epochs > 0, batch_size >= 1 and lora_r >= 1")

    def rows(self, size: str) -> int:
        """Target rows of ``size`` (XS: the few-shots)."""
        return self.n_fewshots if size == "XS" else self.size_rows[size]

    @property
    def largest(self) -> int:
        """Rows of the largest generated size asked for (0 when only XS)."""
        return max([self.rows(s) for s in self.sizes if s != "XS"], default=0)


@dataclass
class Result:
    """What the CRAFT chapter shows."""

    scores: Any  # DataFrame: task, method, size, rows, score, metric, contamination, ...
    paper: Any  # DataFrame: ours beside the paper's
    filters: Any  # DataFrame: per task, method and filter reason, counts
    contamination: Any  # DataFrame: per task and training set, 5-gram weighted Jaccard %
    data: dict[str, Any] = field(default_factory=dict)  # task -> TaskData
    teacher: str = ""
    stand_in: bool = True
    notes: list[str] = field(default_factory=list)


def run(config: CraftConfig, run_dir: Any = None, progress: Callable[[str], None] = print) -> Result:
    """CRAFT and its baselines on every task of the config."""
    from synthlib.methods.craft import method

    return method.run(config, run_dir, progress)


__all__ = ["METHODS", "PAPER", "CraftConfig", "Result", "run"]
