"""Student training throughput: synthlib's trainer vs a plain HF Trainer setup, same model and data.

Ours: dynamic padding (each batch padded to its longest row) and length-grouped batches. Anchor:
the plain setup, every row padded to max_length and random batches. Both train the real MiniLM
classifier on the same SST-2 training rows for the same number of steps; we report examples/s.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from harness import hardware_line, median_time, ratio_line  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and repeats (under a minute)")
    args = parser.parse_args()
    rows, repeats = (96, 1) if args.quick else (512, 3)
    print(hardware_line(), flush=True)

    from transformers.utils import logging as hf_logging

    from synthlib.data import load_dataset
    from synthlib.students import TrainSettings, load_student, train

    hf_logging.disable_progress_bar()
    data = load_dataset("sst2", "train").shuffle(seed=0).select(range(rows))

    def fit(dynamic: bool):
        student = load_student("minilm", "classifier", ("negative", "positive"), seed=0)
        settings = TrainSettings(epochs=1, batch_size=16, max_length=128, dynamic_padding=dynamic,
                                 group_by_length=dynamic, seed=0)
        return lambda: train(student, data, settings)

    ours = median_time(fit(True), repeats, warmup=1)
    anchor = median_time(fit(False), repeats, warmup=1)
    print(f"rows {rows}, 1 epoch, batch 16, max_length 128, median of {repeats} after a warm-up")
    print(f"ours   (dynamic padding + length grouping): {ours:.2f}s -> {rows / ours:.1f} examples/s")
    print(f"anchor (pad to max_length, random batches):  {anchor:.2f}s -> {rows / anchor:.1f} examples/s")
    print(ratio_line("train_throughput", anchor / ours, f"{rows / ours:.1f} ex/s", f"{rows / anchor:.1f} ex/s",
                     ">= 1.5"))


if __name__ == "__main__":
    main()
