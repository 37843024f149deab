"""The "Teachers" chapter: ask teachers for every output format, count usable answers, rerun from the cache.

``run(config, run)`` builds requests from held-out *probe* inputs (training-split rows no few-shot
example uses, see ``synthlib.tasks.examples``), generates through the cached teacher named by
``config.teacher`` (a packaged LLM, an HF id or path, or ``openai:<model>@<url>``), delivered in the
form the model answers best (``synthlib.teachers.delivery``), parses every output with its format
(refusals, echoed prompts, off-format answers and template debris are counted reasons), then asks
again for the same requests through a fresh cache object to show that a rerun makes no teacher call.
``config.compare`` names more teachers: each answers the same requests, and :func:`usable_table`
puts the usable share per format and model side by side. Tables come back as pandas frames.
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

    teacher: str = option("qwen2.5-coder-0.5b-instruct",
                          "Teacher: a packaged LLM alias, an HF id or path, or openai:<model>@<url>.", kind="model")
    compare: list[str] = option([], "More teachers to measure on the same requests (the usable-share table).")
    formats: list[str] = option(list(FORMATS), "Output formats to ask for (synthlib.tasks.formats).")
    samples_per_format: int = option(32, "Requests per format (held-out probe inputs).")
    temperature: float = option(0.8, "Sampling temperature (0 = greedy).")
    top_p: float = option(0.95, "Nucleus sampling threshold.")
    max_new_tokens: int = option(256, "Token limit per answer (unconstrained decoding).")
    constrained: bool = option(True, "Force each format's skeleton while decoding (hf teachers only).")
    compare_unconstrained: bool = option(False, "Also generate without constraints, to show what they buy.")
    batch_size: int = option(16, "hf backend: prompts per forward pass (runtime only: not in the cache key).")
    concurrency: int = option(8, "openai backend: requests in flight (runtime only: not in the cache key).")
    examples_shown: int = option(1, "Example outputs shown per format.")
    cache: str = option("run", "Answer cache: 'run' (a fresh one in the run folder, so the first pass is cold) "
                        "or 'shared' ($SYNTHLIB_CACHE_DIR/generations.sqlite: a rebuilt book calls no model twice).")

    def validate(self) -> None:
        """Range checks on top of the base checks."""
        super().validate()
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise ConfigError(f"unknown formats {unknown}; choose from {', '.join(FORMATS)}")
        if self.cache not in ("run", "shared"):
            raise ConfigError(f"cache must be 'run' or 'shared', got '{self.cache}'")
        if self.samples_per_format < 1 or self.max_new_tokens < 1:
            raise ConfigError("samples_per_format and max_new_tokens must be >= 1; e.g. -p samples_per_format=16")
        if not 0 < self.top_p <= 1 or self.temperature < 0:
            raise ConfigError(f"need 0 < top_p <= 1 and temperature >= 0, got {self.top_p}, {self.temperature}")
        from synthlib.models import check_model_name

        for name in self.compare:
            check_model_name(name, "compare")


@dataclasses.dataclass
class TeachersReport:
    """What the chapter shows."""

    signature: dict[str, Any]
    stand_in: bool
    parse_rates: Any  # DataFrame: format, used_by, decoding, samples, parsed, parse_rate (the main teacher)
    rejections: Any  # DataFrame: format, decoding, reason, count
    throughput: Any  # DataFrame: run, requests, teacher_calls, seconds, completion_tokens, tokens_per_s, hit_rate
    examples: Any  # DataFrame: format, decoding, parsed, reason, output
    usable: Any = None  # DataFrame: teacher, style, format, decoding, samples, usable, usable_share, top_reason


def runtime_settings(config: TeachersConfig, teacher: str | None = None) -> dict[str, Any]:
    """The backend's runtime keywords (they never enter a cache key)."""
    if model_kind(teacher or config.teacher) == "endpoint":
        return {"concurrency": config.concurrency}
    return {"batch_size": config.batch_size}


PROBE_WORDS = 120  # long inputs (articles, documents) are cut to this many words


def build_requests(config: TeachersConfig, constrained: bool, teacher: str | None = None) -> list[Any]:
    """Requests for every format from held-out probe inputs; the format rides in ``metadata``."""
    from synthlib.tasks.examples import build_examples
    from synthlib.teachers import Request, SamplingParams

    sampling = SamplingParams(max_new_tokens=config.max_new_tokens, temperature=config.temperature,
                              top_p=config.top_p)
    can_constrain = constrained and model_kind(teacher or config.teacher) not in ("endpoint", "vllm")
    requests = []
    for fmt in config.formats:
        probes = build_examples(fmt, config.samples_per_format, config.seed, PROBE_WORDS, part="probe")
        requests += [Request(prompt=p.prompt, sampling=sampling, seed=config.seed, sample_index=i,
                             constraint=fmt if can_constrain else None, metadata={"format": fmt})
                     for i, p in enumerate(probes)]
    return requests


def run(config: TeachersConfig, run: Any = None) -> TeachersReport:
    """Generate, parse and rerun; measure every ``compare`` teacher too; save tables into ``run``."""
    import tempfile
    from pathlib import Path

    from synthlib.teachers import load_teacher

    folder = Path(run.path) if run is not None else Path(tempfile.mkdtemp(prefix="synthlib-teachers-"))
    if config.cache == "shared":
        from synthlib.teachers.cache import default_cache_dir

        cache_path = default_cache_dir() / "generations.sqlite"
    else:
        cache_path = folder / "generations.sqlite"  # a fresh cache per run: the first pass is really cold
    teacher = load_teacher(config.teacher, cache=cache_path, **runtime_settings(config))
    if run is not None:
        run.add_model("teacher", teacher.signature.to_dict())
    decodings = [("constrained" if config.constrained else "free", config.constrained)]
    if config.compare_unconstrained and config.constrained:
        decodings.append(("free", False))
    rates, rejections, examples, throughput, usable = [], [], [], [], []
    for label, constrained in decodings:
        requests = build_requests(config, constrained)
        generations, row = _timed(teacher, requests, f"first run ({label})")
        throughput.append(row)
        _parse(config, requests, generations, label, rates, rejections, examples)
        usable += _usable(config.teacher, teacher, requests, generations, label)
    requests = build_requests(config, decodings[0][1])
    throughput.append(_timed(_reopened(teacher, cache_path), requests, f"rerun ({decodings[0][0]})")[1])
    signature, stand_in = teacher.signature, _is_stand_in(teacher)
    teacher.close()
    del teacher  # free the weights before the next model loads: one model in memory at a time
    for other in config.compare:  # one model in memory at a time
        usable += measure_usable(config, other, cache_path, decodings)
    report = _frames(signature, stand_in, rates, rejections, throughput, examples, usable)
    if run is not None:
        _save(run, report)
    return report


def measure_usable(config: TeachersConfig, reference: str, cache_path, decodings) -> list[dict[str, Any]]:
    """Usable-share rows of one more teacher on the chapter's requests (cached like the main one)."""
    from synthlib.teachers import load_teacher

    teacher = load_teacher(reference, cache=cache_path, **runtime_settings(config, reference))
    rows = []
    try:
        for label, constrained in decodings:
            requests = build_requests(config, constrained, reference)
            rows += _usable(reference, teacher, requests, teacher.generate(requests), label)
    finally:
        teacher.close()
    return rows


def _usable(reference: str, teacher, requests, generations, label: str) -> list[dict[str, Any]]:
    """Per format: answers that survive every check (refusal, echo, format, debris, length)."""
    from synthlib.teachers.base import instruction_of
    from synthlib.teachers.parsing import ParseReport, safe_parse

    style = getattr(getattr(teacher, "delivery", None), "style", "plain")
    reports: dict[str, ParseReport] = {}
    for request, generation in zip(requests, generations, strict=True):
        fmt = request.metadata["format"]
        report = reports.setdefault(fmt, ParseReport())
        report.add(safe_parse(FORMATS[fmt].parse, generation.text, instruction_of(request)))
    return [{"teacher": reference, "style": style, "format": fmt, "decoding": label, "samples": r.total,
             "usable": r.kept, "usable_share": r.parse_rate,
             "top_reason": r.reasons.most_common(1)[0][0] if r.reasons else ""} for fmt, r in reports.items()]


def _reopened(teacher, cache_path):
    """The same backend and delivery behind a new cache object on the same file (the rerun)."""
    from synthlib.teachers.cache import CachedTeacher
    from synthlib.teachers.delivery import DeliveringTeacher

    delivery = getattr(teacher, "delivery", None)
    cached = CachedTeacher(teacher.teacher, cache_path, progress=False)
    return DeliveringTeacher(cached, delivery) if delivery is not None else cached


def _is_stand_in(teacher) -> bool:
    return teacher.signature.stand_in or is_stand_in(teacher.signature.model)


def usable_table(report: TeachersReport, decoding: str | None = None):
    """Usable share per format (rows) and teacher (columns) for one decoding (default: the first)."""
    frame = report.usable
    if frame is None or not len(frame):
        return frame
    decoding = decoding or frame["decoding"].iloc[0]
    chosen = frame[frame["decoding"] == decoding]
    return chosen.pivot(index="format", columns="teacher", values="usable_share")[list(dict.fromkeys(chosen["teacher"]))]


def best_teacher(report: TeachersReport, decoding: str | None = None) -> str | None:
    """The teacher with the highest worst-format usable share (ties: the higher mean)."""
    table = usable_table(report, decoding)
    if table is None or not len(table):
        return None
    return max(table.columns, key=lambda name: (table[name].min(), table[name].mean()))


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
    from synthlib.teachers.base import instruction_of
    from synthlib.teachers.parsing import ParseReport, safe_parse

    for fmt_name in config.formats:
        fmt = FORMATS[fmt_name]
        report = ParseReport()
        shown = 0
        for request, generation in zip(requests, generations, strict=False):
            if request.metadata["format"] != fmt_name:
                continue
            parsed = safe_parse(fmt.parse, generation.text, instruction_of(request))
            report.add(parsed)
            if shown < config.examples_shown:
                examples.append({"format": fmt_name, "decoding": label, "parsed": parsed.ok,
                                 "reason": parsed.reason or "", "output": generation.text})
                shown += 1
        rates.append({"format": fmt_name, "used_by": ", ".join(fmt.used_by), "decoding": label,
                      "samples": report.total, "parsed": report.kept, "parse_rate": report.parse_rate})
        rejections += [{"format": fmt_name, "decoding": label, "reason": reason, "count": count}
                       for reason, count in report.reasons.most_common()]


def _frames(signature, stand_in, rates, rejections, throughput, examples, usable) -> TeachersReport:
    import pandas as pd

    return TeachersReport(
        signature=signature.to_dict(), stand_in=stand_in, parse_rates=pd.DataFrame(rates),
        rejections=pd.DataFrame(rejections, columns=["format", "decoding", "reason", "count"]),
        throughput=pd.DataFrame(throughput), examples=pd.DataFrame(examples), usable=pd.DataFrame(usable))


def _save(run, report: TeachersReport) -> None:
    run.save_table(report.parse_rates, "parse_rates")
    run.save_table(report.rejections, "rejections")
    run.save_table(report.throughput, "throughput")
    run.save_table(report.examples, "examples")
    run.save_table(report.usable, "usable")
    run.save_results({"parse_rates": report.parse_rates.to_dict(orient="records"),
                      "usable": report.usable.to_dict(orient="records"),
                      "throughput": report.throughput.to_dict(orient="records"), "stand_in": report.stand_in})


def plot_parse_rates(report: TeachersReport):
    """Bar chart: share of outputs that are usable, per format (and decoding), with the 90% goal line."""
    import matplotlib.pyplot as plt

    frame = report.parse_rates.pivot(index="format", columns="decoding", values="parse_rate")
    figure, axis = plt.subplots(figsize=(7, 3.2))
    frame.plot.barh(ax=axis, width=0.75)
    axis.axvline(0.9, color="black", linestyle=":", linewidth=1)
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of outputs that are usable")
    axis.set_ylabel("")
    title = "Usable share per output format" + (" (tiny random teacher)" if report.stand_in else "")
    axis.set_title(title)
    axis.legend(title="decoding", loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure
