"""The "Teachers" chapter: ask a teacher for every output format, parse, rerun from the cache.

``run(config, run)`` builds requests from held-out *probe* inputs (training-split rows the stand-in
never trained on, see ``synthlib.teachers.standin.corpus``), generates through the cached teacher
named by ``config.teacher`` (the stand-in, an HF id or path, or ``openai:<model>@<url>``), parses
every output with its format, then asks again for the same requests through a fresh cache object
to show that a rerun makes no teacher call. Tables come back as pandas frames.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from synthlib.config import BaseConfig, ConfigError, option
from synthlib.models import is_stand_in, model_kind
from synthlib.tasks.formats import FORMATS


@dataclasses.dataclass
class TeachersConfig(BaseConfig):
    """Parameters of the Teachers chapter."""

    name = "teachers"

    teacher: str = option("stand-in", "Teacher: stand-in, stand-in-tiny, an HF id or path, or openai:<model>@<url>.",
                          kind="model")
    formats: list[str] = option(list(FORMATS), "Output formats to ask for (synthlib.tasks.formats).")
    samples_per_format: int = option(32, "Requests per format (probe inputs the stand-in never trained on).")
    temperature: float = option(0.8, "Sampling temperature (0 = greedy).")
    top_p: float = option(0.95, "Nucleus sampling threshold.")
    max_new_tokens: int = option(256, "Token limit per answer (unconstrained decoding).")
    constrained: bool = option(True, "Force each format's skeleton while decoding (hf and stand-in teachers only).")
    compare_unconstrained: bool = option(False, "Also generate without constraints, to show what they buy.")
    batch_size: int = option(16, "hf backend: prompts per forward pass (runtime only: not in the cache key).")
    concurrency: int = option(8, "openai backend: requests in flight (runtime only: not in the cache key).")
    examples_shown: int = option(1, "Example outputs shown per format.")

    def validate(self) -> None:
        """Range checks on top of the base checks."""
        super().validate()
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ConfigError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
        if self.samples_per_format < 1 or self.max_new_tokens < 1:
            raise ConfigError("samples_per_format and max_new_tokens must be >= 1; e.g. -p samples_per_format=16")
        if not 0 < self.top_p <= 1 or self.temperature < 0:
            raise ConfigError(f"need 0 < top_p <= 1 and temperature >= 0, got {self.top_p}, {self.temperature}")


@dataclasses.dataclass
class TeachersReport:
    """What the chapter shows."""

    signature: dict[str, Any]
    stand_in: bool
    parse_rates: Any  # DataFrame: format, used_by, decoding, samples, parsed, parse_rate
    rejections: Any  # DataFrame: format, decoding, reason, count
    throughput: Any  # DataFrame: run, requests, teacher_calls, seconds, completion_tokens, tokens_per_s, hit_rate
    examples: Any  # DataFrame: format, decoding, parsed, reason, output


def runtime_settings(config: TeachersConfig) -> dict[str, Any]:
    """The backend's runtime keywords (they never enter a cache key)."""
    if model_kind(config.teacher) == "endpoint":
        return {"concurrency": config.concurrency}
    return {"batch_size": config.batch_size}


def build_requests(config: TeachersConfig, constrained: bool) -> list[Any]:
    """Requests for every format from held-out probe inputs; the format rides in ``metadata``."""
    from synthlib.teachers import Request, SamplingParams
    from synthlib.teachers.standin.corpus import build_examples
    from synthlib.teachers.standin.recipe import RECIPES

    max_words = RECIPES["stand-in-tiny" if config.teacher == "stand-in-tiny" else "stand-in"].max_words
    sampling = SamplingParams(max_new_tokens=config.max_new_tokens, temperature=config.temperature,
                              top_p=config.top_p)
    can_constrain = constrained and model_kind(config.teacher) not in ("endpoint", "vllm")
    requests = []
    for fmt in config.formats:
        probes = build_examples(fmt, config.samples_per_format, config.seed, max_words, part="probe")
        requests += [Request(prompt=p.prompt, sampling=sampling, seed=config.seed, sample_index=i,
                             constraint=fmt if can_constrain else None, metadata={"format": fmt})
                     for i, p in enumerate(probes)]
    return requests


def run(config: TeachersConfig, run: Any = None) -> TeachersReport:
    """Generate, parse and rerun; save tables into ``run`` when given."""
    import tempfile
    from pathlib import Path

    from synthlib.teachers import load_teacher
    from synthlib.teachers.cache import CachedTeacher

    folder = Path(run.path) if run is not None else Path(tempfile.mkdtemp(prefix="synthlib-teachers-"))
    cache_path = folder / "generations.sqlite"  # a fresh cache per run: the first pass is really cold
    teacher = load_teacher(config.teacher, cache=cache_path, **runtime_settings(config))
    if run is not None:
        run.add_model("teacher", teacher.signature.to_dict())
    decodings = [("constrained" if config.constrained else "free", config.constrained)]
    if config.compare_unconstrained and config.constrained:
        decodings.append(("free", False))
    rates, rejections, examples, throughput = [], [], [], []
    for label, constrained in decodings:
        requests = build_requests(config, constrained)
        generations, row = _timed(teacher, requests, f"first run ({label})")
        throughput.append(row)
        _parse(config, requests, generations, label, rates, rejections, examples)
    requests = build_requests(config, decodings[0][1])
    rerun = CachedTeacher(teacher.teacher, cache_path, progress=False)
    throughput.append(_timed(rerun, requests, f"rerun ({decodings[0][0]})")[1])
    report = _frames(teacher, rates, rejections, throughput, examples)
    if run is not None:
        _save(run, report)
    return report


def _timed(teacher, requests, label: str):
    calls_before = teacher.stats.misses
    started = time.perf_counter()
    hits_before = teacher.stats.hits
    generations = teacher.generate(requests)
    seconds = time.perf_counter() - started
    hits = teacher.stats.hits - hits_before
    tokens = sum(g.completion_tokens for g in generations)
    return generations, {"run": label, "requests": len(requests), "teacher_calls": teacher.stats.misses - calls_before,
                         "seconds": seconds, "completion_tokens": tokens,
                         "tokens_per_s": tokens / seconds if seconds else float("nan"),
                         "hit_rate": hits / len(requests) if requests else 0.0}


def _parse(config, requests, generations, label, rates, rejections, examples) -> None:
    from synthlib.teachers.parsing import ParseReport, safe_parse

    for fmt_name in config.formats:
        fmt = FORMATS[fmt_name]
        report = ParseReport()
        shown = 0
        for request, generation in zip(requests, generations, strict=False):
            if request.metadata["format"] != fmt_name:
                continue
            parsed = safe_parse(fmt.parse, generation.text)
            report.add(parsed)
            if shown < config.examples_shown:
                examples.append({"format": fmt_name, "decoding": label, "parsed": parsed.ok,
                                 "reason": parsed.reason or "", "output": generation.text})
                shown += 1
        rates.append({"format": fmt_name, "used_by": ", ".join(fmt.used_by), "decoding": label,
                      "samples": report.total, "parsed": report.kept, "parse_rate": report.parse_rate})
        rejections += [{"format": fmt_name, "decoding": label, "reason": reason, "count": count}
                       for reason, count in report.reasons.most_common()]


def _frames(teacher, rates, rejections, throughput, examples) -> TeachersReport:
    import pandas as pd

    return TeachersReport(
        signature=teacher.signature.to_dict(), stand_in=teacher.signature.stand_in or is_stand_in(teacher.signature.model),
        parse_rates=pd.DataFrame(rates),
        rejections=pd.DataFrame(rejections, columns=["format", "decoding", "reason", "count"]),
        throughput=pd.DataFrame(throughput), examples=pd.DataFrame(examples))


def _save(run, report: TeachersReport) -> None:
    run.save_table(report.parse_rates, "parse_rates")
    run.save_table(report.rejections, "rejections")
    run.save_table(report.throughput, "throughput")
    run.save_table(report.examples, "examples")
    run.save_results({"parse_rates": report.parse_rates.to_dict(orient="records"),
                      "throughput": report.throughput.to_dict(orient="records"), "stand_in": report.stand_in})


def plot_parse_rates(report: TeachersReport):
    """Bar chart: share of outputs that parsed, per format (and decoding), with the 80% goal line."""
    import matplotlib.pyplot as plt

    frame = report.parse_rates.pivot(index="format", columns="decoding", values="parse_rate")
    figure, axis = plt.subplots(figsize=(7, 3.2))
    frame.plot.barh(ax=axis, width=0.75)
    axis.axvline(0.8, color="black", linestyle=":", linewidth=1)
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of outputs that parse")
    axis.set_ylabel("")
    title = "Parse rate per output format" + (" (STAND-IN teacher)" if report.stand_in else "")
    axis.set_title(title)
    axis.legend(title="decoding", loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure
