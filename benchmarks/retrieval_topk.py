"""Exact top-100 over 1M x 384 unit vectors: ours vs faiss-cpu IndexFlatIP, and one query vs memory bandwidth.

Ours: :func:`synthlib.retrieval.search.exact_topk` over the fp16 store with its int8 codes
(:mod:`synthlib.retrieval.quantized`: an int8 pass with a proven error bound picks candidates,
which are re-scored in float32 from the fp16 vectors, so the result is exact). Coding the store is
a one-off like faiss's ``add`` and is timed apart. Anchor: faiss ``IndexFlatIP`` over the same
vectors in float32 (faiss's flat index has no fp16 storage), same machine, same queries. Both
return the exact top-k; the script checks they agree. The plain fp16 path (no codes) is timed too.
The single-query line compares one query's time with the time to read the bytes it scans (the
int8 codes and their per-row scales) at the read bandwidth measured in this run (the best of a
few large array sums).

    python benchmarks/retrieval_topk.py            # 1M rows, 32 queries
    python benchmarks/retrieval_topk.py --quick    # 200k rows
    python benchmarks/retrieval_topk.py --cuda     # also time ours on the GPU (store resident there)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_time, ratio_line  # noqa: E402

from synthlib.retrieval.quantized import QuantizedShard, encode_rows  # noqa: E402
from synthlib.retrieval.search import exact_topk  # noqa: E402


def unit_vectors(n: int, dim: int, seed: int, chunk: int = 100_000) -> np.ndarray:
    """``n`` random unit vectors as float16, generated in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), np.float16)
    for start in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - start), dim), dtype=np.float32)
        out[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def read_bandwidth(nbytes: int) -> float:
    """Best read bandwidth (bytes/s) of summing a large float32 array with torch and with NumPy."""
    import torch

    array = np.ones(nbytes // 4, np.float32)
    tensor = torch.from_numpy(array)
    best = min(median_time(lambda: tensor.sum(), repeats=5), median_time(lambda: array.sum(), repeats=5))
    return array.nbytes / best


def agreement(a, b) -> float:
    """Mean share of one result's rows found in the other's (1.0 = same rows, ties aside)."""
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=False)]))


def main() -> None:
    """Time faiss and ours, print both lines and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200k rows instead of 1M")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=32)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cuda", action="store_true", help="also time ours on CUDA")
    args = parser.parse_args()
    if args.quick:
        args.rows = 200_000
    import faiss

    print(hardware_line() + f", faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads)")
    store = unit_vectors(args.rows, args.dim, seed=0)
    queries = unit_vectors(args.queries, args.dim, seed=1).astype(np.float32)
    print(f"data: {args.rows:,} x {args.dim} fp16 unit vectors ({store.nbytes / 1e6:.0f} MB), "
          f"{args.queries} queries, top-{args.k}")

    started = time.perf_counter()
    coded = QuantizedShard(store, encode_rows(store))
    print(f"int8 codes: {time.perf_counter() - started:.1f} s to code the store (once, like faiss's add)")
    ours = median_time(lambda: exact_topk(queries, [coded], args.k), repeats=args.repeats)
    plain = median_time(lambda: exact_topk(queries, [store], args.k), repeats=max(3, args.repeats // 2))
    index = faiss.IndexFlatIP(args.dim)
    index.add(store.astype(np.float32))
    anchor = median_time(lambda: index.search(queries, args.k), repeats=max(3, args.repeats // 2))
    same = agreement(exact_topk(queries, [coded], args.k).rows, index.search(queries, args.k)[1])
    qps, anchor_qps = args.queries / ours, args.queries / anchor
    print(f"ours (CPU, int8 pass + fp32 re-scoring): {ours * 1e3:.0f} ms for {args.queries} queries = {qps:.0f} q/s")
    print(f"ours without codes (fp16 store, fp32 products): {plain * 1e3:.0f} ms = {args.queries / plain:.0f} q/s")
    print(f"faiss IndexFlatIP (fp32): {anchor * 1e3:.0f} ms = {anchor_qps:.1f} q/s; same rows: {same:.2%}")
    index.reset()  # free the float32 copy before the bandwidth measurement

    single = median_time(lambda: exact_topk(queries[:1], [coded], args.k), repeats=args.repeats * 2)
    scanned = coded.int8.codes.nbytes + coded.int8.scales.nbytes
    bandwidth = read_bandwidth(2 * store.nbytes)
    bound = scanned / bandwidth
    print(f"single query: {single * 1e3:.1f} ms; scans {scanned / 1e6:.0f} MB at the read bandwidth "
          f"{bandwidth / 1e9:.1f} GB/s -> bound {bound * 1e3:.1f} ms; single / bound = {single / bound:.2f} (goal <= 2)")

    if args.cuda:
        cuda_lines(store, queries, args)
    print(ratio_line("retrieval_topk", qps / anchor_qps, f"ours {qps:.0f} q/s", f"faiss IndexFlatIP {anchor_qps:.1f} q/s",
                     ">= 5"))


def cuda_lines(store: np.ndarray, queries: np.ndarray, args) -> None:
    """Time ours with the store resident on the GPU (fp16), and one query against HBM bandwidth."""
    import torch

    if not torch.cuda.is_available():
        print("cuda: no CUDA device visible; skipped")
        return
    shard = torch.from_numpy(store).cuda()
    sync = torch.cuda.synchronize

    def run(q):
        exact_topk(q, [shard], args.k, device="cuda")
        sync()

    batch = median_time(lambda: run(queries), repeats=args.repeats * 2)
    single = median_time(lambda: run(queries[:1]), repeats=args.repeats * 2)
    big = torch.ones(store.nbytes, dtype=torch.uint8, device="cuda").view(torch.float32)
    read = median_time(lambda: (big.sum(), sync()), repeats=10)
    bandwidth = big.numel() * 4 / read
    bound = store.nbytes / bandwidth
    same = agreement(exact_topk(queries, [shard], args.k, device="cuda").rows, exact_topk(queries, [store], args.k).rows)
    print(f"ours (CUDA {torch.cuda.get_device_name(0)}): {batch * 1e3:.2f} ms for {len(queries)} queries = "
          f"{len(queries) / batch:.0f} q/s; same rows as CPU: {same:.2%}")
    print(f"cuda single query: {single * 1e3:.2f} ms; read bandwidth {bandwidth / 1e9:.0f} GB/s -> bound "
          f"{bound * 1e3:.2f} ms; single / bound = {single / bound:.2f}")


if __name__ == "__main__":
    main()
