"""A fully cached rerun of 1,000 requests vs the first run (goal >= 50x faster).

The first run generates through the hf backend (a random GPT-2 of the stand-in's shape, batched)
and fills a fresh SQLite cache; the rerun asks for the same 1,000 requests through a new
``CachedTeacher`` on the same file and makes no teacher call. Rerun times are a median of
repeats; the first run happens once per fresh cache (repeats of it would be reruns).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import hardware_line, median_of, ratio_line  # noqa: E402
from benchmarks.teacher_batching import build_teacher  # noqa: E402


def main() -> None:
    """Measure and print the ratio line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller model and shorter outputs, under a minute")
    args = parser.parse_args()
    from synthlib.teachers import CachedTeacher, Request, SamplingParams

    count = 1000
    layers, width, new_tokens = (2, 128, 8) if args.quick else (4, 256, 24)
    print(hardware_line())
    teacher = build_teacher(layers=layers, width=width, batch_size=64)
    sampling = SamplingParams(max_new_tokens=new_tokens, temperature=0.8)
    requests = [Request(prompt=f"Write question {i} about rivers.", sampling=sampling, seed=i) for i in range(count)]
    teacher.generate(requests[:8])  # warm-up of the model
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cache.sqlite"
        first = CachedTeacher(teacher, path, progress=False)
        start = time.perf_counter()
        generated = first.generate(requests)
        first_seconds = time.perf_counter() - start
        assert first.stats.misses == count and len(generated) == count

        def rerun() -> float:
            cached = CachedTeacher(teacher, path, progress=False)
            start = time.perf_counter()
            again = cached.generate(requests)
            seconds = time.perf_counter() - start
            assert cached.stats.hits == count and [g.text for g in again] == [g.text for g in generated]
            cached.close()
            return seconds

        rerun()  # warm-up (page cache)
        rerun_seconds, runs = median_of(5, rerun)
    print(f"requests {count}, new tokens {new_tokens}, model {layers} layers x {width}")
    print(f"first run: {first_seconds:.2f} s; cached reruns: {', '.join(f'{v * 1000:.0f} ms' for v in runs)}")
    print(ratio_line("teacher_cache", first_seconds / rerun_seconds, f"{rerun_seconds * 1000:.0f} ms cached rerun",
                     f"{first_seconds:.1f} s first run", 50))


if __name__ == "__main__":
    main()
