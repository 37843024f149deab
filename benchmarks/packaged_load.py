"""Loading a packaged LLM from the converted safetensors checkpoint vs from its GGUF (goal >= 5x faster).

Why synthlib converts each packaged GGUF once (``synthlib.packaged.checkpoint_dir``): transformers
dequantizes a GGUF tensor by tensor and rebuilds the tokenizer from GGUF metadata on every load,
while the converted checkpoint is memory-mapped safetensors plus a saved fast tokenizer. Both sides
load the same model and tokenizer, in float32, in this process, one after the other; each figure
is the median of a few loads after a warm-up load (page cache warm on both sides).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from harness import hardware_line, median_of, ratio_line  # noqa: E402


def _timed_load(folder: str, **kwargs) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    AutoTokenizer.from_pretrained(folder, **kwargs)
    AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    """Measure and print the ratio line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one load each after the warm-up")
    parser.add_argument("--model", default="gemma-3-270m", help="packaged alias")
    args = parser.parse_args()
    from synthlib import packaged

    print(hardware_line())
    checkpoint = str(packaged.checkpoint_dir(args.model))  # converts on first use, outside the timing
    gguf = packaged.gguf_path(args.model)
    repeats = 1 if args.quick else 3
    warm = [_timed_load(checkpoint), _timed_load(str(gguf.parent), gguf_file=gguf.name)]  # page cache, imports
    converted, converted_runs = median_of(repeats, lambda: _timed_load(checkpoint))
    from_gguf, gguf_runs = median_of(repeats, lambda: _timed_load(str(gguf.parent), gguf_file=gguf.name))
    print(f"model {args.model}: warm-up loads {warm[0]:.1f} s (safetensors), {warm[1]:.1f} s (GGUF); "
          f"safetensors {', '.join(f'{v:.1f}' for v in converted_runs)} s; GGUF {', '.join(f'{v:.1f}' for v in gguf_runs)} s")
    print(ratio_line("packaged_load", from_gguf / converted, f"{converted:.1f} s from safetensors",
                     f"{from_gguf:.1f} s from GGUF", ">= 5"))


if __name__ == "__main__":
    main()
