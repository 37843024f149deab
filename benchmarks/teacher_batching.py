"""hf backend, batched vs one prompt at a time: generated tokens per second (goal >= 5x).

Same model, same prompts, same sampling (seeded, so both runs generate the same tokens); the
anchor calls ``generate`` once per prompt, the obvious alternative. The model is the packaged
gemma-3-270m (a real 268M-parameter LLM, the smallest packaged one), few-shot prompted, in the dtype
the teachers pick on this machine (``default_dtype``); ``--model`` names another packaged model (the
``cpu`` profile's teacher is qwen2.5-coder-0.5b-instruct) or a checkpoint folder. Medians of
repeats after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_of, ratio_line  # noqa: E402


def teacher_dtype(dtype: str | None) -> str:
    """``dtype``, or the one the teachers pick on this machine (``default_dtype``) when it is None."""
    from synthlib.teachers.factory import default_dtype

    return dtype or default_dtype()


def teacher_args(description: str, quick_help: str) -> argparse.Namespace:
    """The command line the teacher benchmarks share (model, dtype, threads, --quick); resolves the dtype
    (printed with the figures) and sets torch's thread count when one is given."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--model", default="gemma-3-270m", help="packaged model alias or checkpoint folder")
    parser.add_argument("--dtype", default=None, help="weight dtype (default: the teachers' pick for this machine)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    args.dtype = teacher_dtype(args.dtype)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    return args


def build_teacher(model: str = "gemma-3-270m", batch_size: int = 16, dtype: str | None = None):
    """The hf backend (no cache) on a packaged model alias or a checkpoint folder; ``dtype`` None
    takes the one the teachers pick here (bfloat16 only where the CPU or GPU multiplies it natively)."""
    from synthlib.teachers.hf import HFTeacher

    dtype = teacher_dtype(dtype)

    if Path(model).is_dir():
        return HFTeacher(model, name=Path(model).name, batch_size=batch_size, dtype=dtype)
    from synthlib.teachers import load_teacher

    return load_teacher(model, cache=False, batch_size=batch_size, dtype=dtype)


def review_requests(count: int, new_tokens: int, seed_offset: int = 0):
    """Few-shot review continuations of different lengths, seeded per request."""
    from synthlib.teachers import Request, SamplingParams

    sampling = SamplingParams(max_new_tokens=new_tokens, temperature=1.0, top_p=0.95)
    shots = ["A warm, funny film with a cast that clearly loved making it.",
             "Slow and muddled; the twist is visible from the first scene."]
    block = "".join(f"Review: {shot}\n\n" for shot in shots)
    topics = ["the music", "the ending", "the lead actor", "the pacing", "the dialogue", "the camera work"]
    return [Request(prompt=block + f"Review: Film {i} surprised me with {topics[i % 6]}" + ", and" * (i % 3),
                    sampling=sampling, seed=seed_offset + i) for i in range(count)]


def main() -> None:
    """Measure and print the ratio line."""
    args = teacher_args(__doc__, "smaller inputs")
    prompts, new_tokens, repeats = (16, 8, 1) if args.quick else (16, 32, 1)
    print(hardware_line())
    teacher = build_teacher(args.model, batch_size=16, dtype=args.dtype)
    requests = review_requests(prompts, new_tokens)
    teacher.generate(requests[:2])  # warm-up

    def batched() -> float:
        start = time.perf_counter()
        tokens = sum(g.completion_tokens for g in teacher.generate(requests))
        return tokens / (time.perf_counter() - start)

    def one_at_a_time() -> float:
        start = time.perf_counter()
        tokens = sum(teacher.generate([r])[0].completion_tokens for r in requests)
        return tokens / (time.perf_counter() - start)

    ours, ours_all = median_of(repeats, batched)
    anchor, anchor_all = median_of(repeats, one_at_a_time)
    print(f"model {args.model} ({args.dtype}), prompts {prompts}, new tokens {new_tokens}, "
          f"batch size {teacher.batch_size}")
    print(f"batched: {ours:.1f} tok/s (runs {', '.join(f'{v:.1f}' for v in ours_all)})")
    print(f"one at a time: {anchor:.1f} tok/s (runs {', '.join(f'{v:.1f}' for v in anchor_all)})")
    print(ratio_line("teacher_batching", ours / anchor, f"{ours:.1f} tok/s batched",
                     f"{anchor:.1f} tok/s one prompt at a time", ">= 5"))


if __name__ == "__main__":
    main()
