"""Blocked fuzzy dedup vs all-pairs rapidfuzz ``cdist`` (token_set_ratio > 85), with recall.

Workload: near-duplicate sets of ~40-word texts cut from Wikinews, half of them near-copies
(:mod:`synthlib.filters.workload`): 30% of those are typo variants (a typo in 80% of the words, the
spelling variants that share few whole tokens), two per original, so pairs of typo variants are
heavy-typo copies of each other (two edits in most words); the rest are word-level edits. Ours:
:func:`synthlib.filters.fuzzy.similar_pairs` on all ``--n`` texts (complete blocking, see its module). Anchor: ``rapidfuzz.process.cdist`` on all pairs of a ``--subset`` (all cores),
timed once and extrapolated quadratically to ``--n`` (a full 25k x 25k run would take an hour);
the same subset gives the brute-force pairs for recall.

    python benchmarks/fuzzy_dedup.py           # 25k texts, 5k all-pairs subset (~5 minutes)
    python benchmarks/fuzzy_dedup.py --quick   # 5k texts, 1k subset (< 1 minute)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_time, ratio_line  # noqa: E402

from synthlib.filters.fuzzy import all_pairs_reference, similar_pairs  # noqa: E402
from synthlib.filters.workload import near_duplicate_workload  # noqa: E402


def source_texts(limit: int) -> list[str]:
    """Wikinews article texts from the data mirror."""
    root = Path(os.environ["SYNTHLIB_DATA_DIR"])  # harness defaults it to ../shared/data, like the Makefile
    texts = []
    with gzip.open(root / "corpus" / "wikinews_en.jsonl.gz", "rt") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= limit:
                break
    return texts


def main() -> None:
    """Time both, check recall, print the ratio line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5k texts, 1k all-pairs subset")
    parser.add_argument("--n", type=int, default=25_000, help="texts to deduplicate")
    parser.add_argument("--subset", type=int, default=5_000, help="texts in the all-pairs subset")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.n, args.subset = 5_000, 1_000
    print(hardware_line())
    # windows of 45 words; truncation edits bring the average to ~40 words
    texts, kinds = near_duplicate_workload(source_texts(20_000), args.n, words=45, seed=0, typo_share=0.3,
                                           typo_copies=2)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"workload: {len(texts):,} texts, {words:.1f} words on average, half near-copies "
          f"({kinds.count('typo'):,} typo variants, {kinds.count('edited'):,} word-level edits)")

    similar_pairs(texts[:500])  # warm-up
    ours = median_time(lambda: similar_pairs(texts), repeats=args.repeats, warmup=0)
    i, _, _, checked = similar_pairs(texts)
    print(f"ours (blocked): {ours:.2f} s for {len(texts):,} texts; {checked:,} candidate pairs scored, "
          f"{len(i):,} similar pairs (median of {args.repeats})")

    subset = texts[: args.subset]
    start = time.perf_counter()
    reference = all_pairs_reference(subset)
    anchor_subset = time.perf_counter() - start
    anchor = anchor_subset * (len(texts) / len(subset)) ** 2
    print(f"all-pairs cdist: {anchor_subset:.1f} s measured on {len(subset):,} x {len(subset):,}; "
          f"extrapolated x{(len(texts) / len(subset)) ** 2:.0f} to {len(texts):,} x {len(texts):,}: {anchor:.0f} s")

    a, b, _, _ = similar_pairs(subset)
    found = set(zip(a.tolist(), b.tolist(), strict=False))
    recall = len(found & reference) / len(reference) if reference else 1.0
    precision = len(found & reference) / len(found) if found else 1.0
    print(f"recall on the {len(subset):,} subset: {recall:.2%} of {len(reference):,} brute-force pairs "
          f"(precision {precision:.2%}; goal recall = 100%)")
    typo = {pair for pair in reference if "typo" in (kinds[pair[0]], kinds[pair[1]])}
    typo_recall = len(found & typo) / len(typo) if typo else 1.0
    print(f"recall on typo variants: {typo_recall:.2%} of {len(typo):,} brute-force pairs with a typo variant "
          f"(goal 100%)")
    both = {pair for pair in typo if kinds[pair[0]] == kinds[pair[1]] == "typo"}
    both_recall = len(found & both) / len(both) if both else 1.0
    print(f"recall on pairs of two typo variants (heavy-typo copies of each other): {both_recall:.2%} of "
          f"{len(both):,} brute-force pairs (goal 100%)")
    print(ratio_line("fuzzy_dedup", anchor / ours, f"blocked {ours:.2f} s", f"all-pairs cdist {anchor:.0f} s "
                     f"(extrapolated from {len(subset):,})", ">= 20"))


if __name__ == "__main__":
    main()
