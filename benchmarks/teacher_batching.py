"""hf backend, batched vs one prompt at a time: generated tokens per second (goal >= 5x).

Same model, same prompts, same sampling (seeded, so both runs generate the same tokens); the
anchor calls ``generate`` once per prompt, the obvious alternative. The model is a randomly
initialised GPT-2 with the stand-in's shape (sampling cost does not depend on the weights), so
the script needs no training and no hub. Medians of repeats after a warm-up.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import hardware_line, median_of, ratio_line  # noqa: E402


def build_teacher(layers: int, width: int, batch_size: int):
    """A random GPT-2 (stand-in shape) behind the hf backend."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from synthlib.teachers.hf import HFTeacher
    from synthlib.teachers.tokenizer import builtin_tokenizer

    tokenizer = builtin_tokenizer()
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=width, n_layer=layers, n_head=4,
                        eos_token_id=len(tokenizer) + 1)  # an id never sampled: every row runs to max_new_tokens
    return HFTeacher(GPT2LMHeadModel(config), tokenizer, name="bench-gpt2", batch_size=batch_size)


def main() -> None:
    """Measure and print the ratio line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, under a minute")
    args = parser.parse_args()
    from synthlib.teachers import Request, SamplingParams

    prompts, new_tokens, repeats = (32, 32, 3) if args.quick else (64, 64, 3)
    print(hardware_line())
    teacher = build_teacher(layers=4, width=256, batch_size=32)
    sampling = SamplingParams(max_new_tokens=new_tokens, temperature=1.0, top_p=0.95)
    requests = [Request(prompt=f"[question] Tom has {i} apples and buys {i + 3} more. " * (1 + i % 3),
                        sampling=sampling, seed=i) for i in range(prompts)]
    teacher.generate(requests[:4])  # warm-up

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
    print(f"prompts {prompts}, new tokens {new_tokens}, batch size {teacher.batch_size}")
    print(f"batched: {ours:.0f} tok/s (runs {', '.join(f'{v:.0f}' for v in ours_all)})")
    print(f"one at a time: {anchor:.0f} tok/s (runs {', '.join(f'{v:.0f}' for v in anchor_all)})")
    print(ratio_line("teacher_batching", ours / anchor, f"{ours:.0f} tok/s batched",
                     f"{anchor:.0f} tok/s one prompt at a time", 5))


if __name__ == "__main__":
    main()
