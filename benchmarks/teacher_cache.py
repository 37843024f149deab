"""A fully cached rerun vs the first run that generated it (goal >= 50x faster).

The first run generates 256 few-shot review continuations through the hf backend on the packaged
gemma-3-270m (batched, in the dtype the teachers pick on this machine) and fills a fresh SQLite
cache; the rerun asks for the same requests through a new ``CachedTeacher`` on the same file and
makes no teacher call (checked, and the texts must match). Rerun times are a median of repeats;
the first run happens once per fresh cache (repeats of it would be reruns).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_of, ratio_line  # noqa: E402

from benchmarks.teacher_batching import build_teacher, review_requests, teacher_args  # noqa: E402


def main() -> None:
    """Measure and print the ratio line."""
    args = teacher_args(__doc__, "fewer requests and shorter outputs")
    from synthlib.teachers import CachedTeacher

    count, new_tokens = (64, 8) if args.quick else (256, 16)
    print(hardware_line())
    teacher = build_teacher(args.model, batch_size=16, dtype=args.dtype)
    requests = review_requests(count, new_tokens)
    teacher.generate(requests[:2])  # warm-up of the model
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
    print(f"requests {count}, new tokens {new_tokens}, model {args.model} ({args.dtype}), batch size 16")
    print(f"first run: {first_seconds:.2f} s; cached reruns: {', '.join(f'{v * 1000:.0f} ms' for v in runs)}")
    print(ratio_line("teacher_cache", first_seconds / rerun_seconds, f"{rerun_seconds * 1000:.0f} ms cached rerun",
                     f"{first_seconds:.1f} s first run", ">= 50"))


if __name__ == "__main__":
    main()
