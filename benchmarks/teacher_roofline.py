"""Local generation against the machine's physical limit (goal >= 0.5 of the roofline at batch 16).

In one run: the memory read bandwidth (a sum over a 512 MiB tensor), the matmul FLOP/s (2048^3, in
float32 and bfloat16), then batch-16 sampling through the hf teacher for each packaged model and
dtype. A decode step at batch B reads every weight once and does 2 FLOPs per weight per row, so

    roofline = min(B * bandwidth / weight_bytes, flops / (2 * params))   tokens/s

where params and weight_bytes count the weights a decode step multiplies: an input embedding table
that the output layer does not share (Qwen2.5-Coder-0.5B's converted checkpoint and GGUF keep two
copies, 136M parameters each) is left out, because a step looks up B of its rows and multiplies none.
``ratio teacher_roofline`` is the measured tokens/s over the roofline. Measured = generated tokens over
wall time of ``HFTeacher.generate`` (prefill, sampling and tokenization included) for 16 requests
(sampling temperature 1, top-p 0.95). The breakdown lines split one decode step into the model's
forward pass and the sampler, and the forward pass into its linear layers and the rest.
gemma-3-270m and qwen2.5-coder-0.5b-instruct carry the goal; qwen2.5-coder-1.5b-instruct is
informational (bfloat16 only unless ``--dtypes`` says otherwise).
When llama-cpp-python is installed (``pip install 'synthlib[llamacpp]'``), the same batch-16 requests
also go through the ``llamacpp`` backend (the GGUF quantized as shipped), held to a roofline of the
GGUF's tensor bytes and the best matmul rate measured (``--backends hf`` skips it).
``--llamacpp-quants Q4_0 Q8_0`` also measures the GGUF requantized to those llama.cpp types (a second
rounding of the shipped weights, made in a temporary folder, informational) and counts how many of the
batch's greedy texts stay equal to the shipped file's. The shipped files are labelled Q4_K_M, but rows of
640 (gemma) or 896 (Qwen-0.5B) values do not split into K-quant blocks of 256, so llama.cpp stored most of
their matrices as Q5_0 and Q8_0 (gemma: 169M parameters Q8_0, 63M Q5_0, 36M K-quants).

On a shared machine absolute figures move with the load; bandwidth and FLOP/s are measured in the
same run so the ratio is the comparable figure.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import hardware_line, median_of, median_time, ratio_line  # noqa: E402

GOAL_MODELS = ("gemma-3-270m", "qwen2.5-coder-0.5b-instruct")
INFO_MODELS = ("qwen2.5-coder-1.5b-instruct",)
#: llama.cpp types ``--llamacpp-quants`` may requantize the shipped GGUF to
LLAMACPP_QUANTS = ("Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "IQ4_NL", "Q4_K_S", "Q5_K_M", "Q6_K")
SHOTS = ("A quiet, patient film: the two leads carry every scene, and the ending earns its tears.",
         "Sharp writing and a score that stays with you; the best thing I have seen this year.",
         "It looks cheap and the plot wanders, yet the cast is so warm that I forgave it all.",
         "A clever premise that the script never trusts; by the third act I had stopped caring.")


def synced(fn, device: str):
    """``fn`` followed by a device synchronisation (CUDA work is asynchronous)."""
    import torch

    if device != "cuda":
        return fn
    return lambda: (fn(), torch.cuda.synchronize())


def read_bandwidth(device: str = "cpu", repeats: int = 3) -> float:
    """Bytes per second that a sum over a float32 tensor reads (512 MiB on CPU, 4 GiB on CUDA)."""
    import torch

    data = torch.ones((1024 if device == "cuda" else 128) * 2**20, device=device)
    seconds = median_time(synced(lambda: data.sum(), device), repeats=repeats)
    return data.numel() * data.element_size() / seconds


def matmul_flops(dtype: str, device: str = "cpu", repeats: int = 3) -> float:
    """FLOP/s of a square matmul in ``dtype`` (2048^3 on CPU, 8192^3 on CUDA)."""
    import torch

    size = 8192 if device == "cuda" else 2048
    a = torch.randn(size, size, device=device).to(getattr(torch, dtype))
    b = torch.randn(size, size, device=device).to(getattr(torch, dtype))
    return 2 * size**3 / median_time(synced(lambda: a @ b, device), repeats=repeats)


def roofline(batch: int, params: int, weight_bytes: int, bandwidth: float, flops: float) -> float:
    """Tokens/s a decode step cannot beat: every weight read once, 2 FLOPs per weight per row."""
    return min(batch * bandwidth / weight_bytes, flops / (2 * params))


def model_path(alias: str) -> Path:
    """The packaged model's plain checkpoint (an existing folder is used as it is)."""
    if Path(alias).is_dir():
        return Path(alias)
    from synthlib.packaged import checkpoint_dir

    return checkpoint_dir(alias)


def requests_for(alias: str, batch: int, new_tokens: int):
    """``batch`` review requests: few-shot continuation for the base model, chat for instruct models."""
    from synthlib.teachers import Request, SamplingParams

    sampling = SamplingParams(max_new_tokens=new_tokens, temperature=1.0, top_p=0.95)
    genres = ["drama", "comedy", "thriller", "western", "musical", "documentary", "horror", "romance"]
    if "instruct" not in alias:
        block = "".join(f"Review: {shot}\n\n" for shot in SHOTS)
        return [Request(prompt=block + f"Review: This {genres[i % 8]}", sampling=sampling, seed=i)
                for i in range(batch)]
    return [Request(messages=({"role": "user", "content": f"Write a long, detailed review of a {genres[i % 8]} "
                                                          "film you liked."},), sampling=sampling, seed=i)
            for i in range(batch)]


def step_breakdown(teacher, requests) -> tuple[float, float, float, int]:
    """One batch decode step: seconds of the model's forward pass, of the sampler, and of the forward's
    linear layers alone (timed by hooks in a separate step), and the FLOPs those layers did."""
    import torch

    from synthlib.teachers.decoding import FastSampler, prefill

    prompts = [teacher.render(r) for r in requests]
    encoded = teacher.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    encoded = {k: v.to(teacher.device) for k, v in encoded.items()}
    cache, logits, mask = prefill(teacher.model, encoded["input_ids"], encoded["attention_mask"])
    token = logits[:, -1].argmax(-1)
    position = mask.sum(dim=1, keepdim=True) - 1
    times = []
    # steps 1-4 are timed whole; step 5 runs with hooks on the linear layers (the hooks' own cost,
    # microseconds per layer, stays out of the forward figure). CUDA kernels run asynchronously, so
    # there the hooks would time launches: the split is a CPU figure.
    linears = LinearTimer(teacher.model)
    with torch.inference_mode():
        for step in range(5):
            mask = torch.cat([mask, mask.new_ones(len(prompts), 1)], dim=1)
            position = position + 1
            start = time.perf_counter()
            with linears if step == 4 and teacher.device == "cpu" else contextlib.nullcontext():
                logits = teacher.model(input_ids=token[:, None], attention_mask=mask, position_ids=position,
                                       past_key_values=cache, use_cache=True).logits
            synced(lambda: None, teacher.device)()
            times.append(time.perf_counter() - start)
    sampler = FastSampler([r.effective_seed() for r in requests], requests[0].sampling)
    scores = logits[:, -1].float()
    sampler_seconds = median_time(synced(lambda: sampler(None, scores), teacher.device), 3)
    return statistics.median(times[1:4]), sampler_seconds, linears.seconds, linears.flops


class LinearTimer:
    """Hooks on every ``nn.Linear`` of a model: wall seconds spent inside them and the FLOPs they did
    (2 per weight per input row), while the ``with`` block runs. Splits a decode step into its matrix
    products and everything else (norms, attention, masks, Python between the kernels)."""

    def __init__(self, model):
        from torch import nn

        self.linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        self.seconds, self.flops, self._handles, self._start = 0.0, 0, [], 0.0

    def _before(self, module, args):
        self._start = time.perf_counter()

    def _after(self, module, args, output):
        self.seconds += time.perf_counter() - self._start
        self.flops += 2 * module.weight.numel() * (args[0].numel() // args[0].shape[-1])

    def __enter__(self):
        for module in self.linears:
            self._handles += [module.register_forward_pre_hook(self._before),
                              module.register_forward_hook(self._after)]
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()


def sampling_rate(teacher, requests, repeats: int) -> tuple[float, list[float]]:
    """Median generated tokens/s of ``teacher.generate(requests)`` over ``repeats`` runs (after a warm-up), and
    every run's figure."""
    teacher.generate(requests[:2])  # warm-up

    def rate() -> float:
        start = time.perf_counter()
        tokens = sum(g.completion_tokens for g in teacher.generate(requests))
        return tokens / (time.perf_counter() - start)

    return median_of(repeats, rate)


def step_weights(model) -> tuple[int, int]:
    """Parameters and bytes of the weights one decode step multiplies: every unique parameter (tied
    embeddings count once) except an input embedding table that the output layer does not share."""
    unique = {id(p): p for p in model.parameters()}
    embedding, output = model.get_input_embeddings(), model.get_output_embeddings()
    if output is None or embedding.weight is not output.weight:
        unique.pop(id(embedding.weight), None)
    return (sum(p.numel() for p in unique.values()),
            sum(p.numel() * p.element_size() for p in unique.values()))


def gguf_step_weights(path: Path) -> tuple[int, int]:
    """:func:`step_weights` for a GGUF file: its tensors' elements and bytes, less ``token_embd`` when the
    file also holds a separate ``output`` layer."""
    from gguf import GGUFReader

    tensors = {t.name: t for t in GGUFReader(path).tensors}
    if "output.weight" in tensors:
        tensors.pop("token_embd.weight", None)
    return (sum(int(t.n_elements) for t in tensors.values()), sum(int(t.n_bytes) for t in tensors.values()))


def measure_model(alias: str, dtype: str, batch: int, new_tokens: int, repeats: int, device: str) -> dict:
    """Load one model in ``dtype`` and measure batch sampling tokens/s and the step breakdown."""
    from synthlib.teachers.hf import HFTeacher

    teacher = HFTeacher(str(model_path(alias)), name=alias, dtype=dtype, batch_size=batch, device=device)
    params, weight_bytes = step_weights(teacher.model)
    requests = requests_for(alias, batch, new_tokens)
    measured, runs = sampling_rate(teacher, requests, repeats)
    forward, sampler, linear_seconds, linear_flops = step_breakdown(teacher, requests)
    return dict(params=params, weight_bytes=weight_bytes, measured=measured, runs=runs, forward=forward,
                sampler=sampler, linear_seconds=linear_seconds, linear_flops=linear_flops)


def measure_llama_cpp(alias: str, batch: int, new_tokens: int, repeats: int, gguf: Path | None = None,
                      greedy: bool = False) -> dict | None:
    """Batch sampling tokens/s through the llamacpp backend on the packaged GGUF (quantized as shipped, or
    the file ``gguf`` made from it), with its parameter count and file size, and with ``greedy`` the batch's
    greedy texts; None when llama-cpp-python is not installed."""
    from synthlib.packaged import checkpoint_dir, gguf_path

    try:
        from synthlib.teachers.llamacpp import LlamaCppTeacher

        teacher = (LlamaCppTeacher(alias, batch_size=batch) if gguf is None else
                   LlamaCppTeacher(str(gguf), tokenizer=str(checkpoint_dir(alias)), batch_size=batch))
    except ImportError:
        return None
    requests = requests_for(alias, batch, new_tokens)
    measured, runs = sampling_rate(teacher, requests, repeats)
    params, weight_bytes = gguf_step_weights(gguf or gguf_path(alias))
    texts = [g.text for g in teacher.generate(greedy_requests(requests))] if greedy else []
    return dict(params=params, weight_bytes=weight_bytes, measured=measured, runs=runs,
                description=teacher.model.description, greedy=texts)


def greedy_requests(requests):
    """The same requests decoded greedily (temperature 0): texts that depend on the weights alone."""
    from dataclasses import replace

    return [replace(r, sampling=replace(r.sampling, temperature=0.0, top_p=1.0)) for r in requests]


def requantized(alias: str, quant: str, folder: Path) -> Path:
    """The packaged GGUF requantized to the llama.cpp type ``quant`` (e.g. ``Q4_0``) as a file in ``folder``.

    The shipped weights are already quantized, so this rounds them a second time: a speed probe, not a
    model the book uses.
    """
    import ctypes

    import llama_cpp

    from synthlib.packaged import gguf_path

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant}"), True
    target = folder / f"{alias}.{quant}.gguf"
    if llama_cpp.llama_model_quantize(str(gguf_path(alias)).encode(), str(target).encode(), ctypes.byref(params)):
        raise RuntimeError(f"llama.cpp could not requantize {alias} to {quant}")
    return target


def main() -> None:
    """Measure and print the ratio lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="gemma-3-270m only, bfloat16, fewer tokens")
    parser.add_argument("--models", nargs="*", help="aliases or checkpoint folders (default: all three)")
    parser.add_argument("--dtypes", nargs="*", help="dtypes for the goal models (default: float32 bfloat16)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the roofline is then the GPU's)")
    parser.add_argument("--backends", nargs="*", default=["hf", "llamacpp"], choices=["hf", "llamacpp"],
                        help="hf (transformers, each dtype) and/or llamacpp (when llama-cpp-python is installed)")
    parser.add_argument("--llamacpp-quants", nargs="*", default=[], choices=LLAMACPP_QUANTS,
                        help="also measure the GGUF requantized to these llama.cpp types (informational)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0: torch's default); on an oversubscribed machine 1 can be faster")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    models = args.models or (["gemma-3-270m"] if args.quick else [*GOAL_MODELS, *INFO_MODELS])
    dtypes = args.dtypes or (["bfloat16"] if args.quick else ["float32", "bfloat16"])
    new_tokens = 24 if args.quick else args.new_tokens
    print(hardware_line())
    bandwidth = read_bandwidth(args.device)
    flops = {dtype: matmul_flops(dtype, args.device) for dtype in ("float32", "bfloat16")}
    print(f"{args.device}: read bandwidth {bandwidth / 1e9:.1f} GB/s; matmul float32 {flops['float32'] / 1e9:.0f} "
          f"GFLOP/s, bfloat16 {flops['bfloat16'] / 1e9:.0f} GFLOP/s")
    for alias in models:
        informational = any(alias.endswith(m) for m in INFO_MODELS)
        hf_dtypes = ["bfloat16"] if informational and not args.dtypes else dtypes
        for dtype in hf_dtypes if "hf" in args.backends else []:
            m = measure_model(alias, dtype, args.batch, new_tokens, args.repeats, args.device)
            limit = roofline(args.batch, m["params"], m["weight_bytes"], bandwidth, flops[dtype])
            label = f"{Path(alias).name} {dtype} batch {args.batch} on {args.device}"
            print(f"{label}: {m['params'] / 1e6:.0f}M params, {m['weight_bytes'] / 1e6:.0f} MB; "
                  f"roofline {limit:.0f} tok/s; measured {m['measured']:.1f} tok/s "
                  f"(runs {', '.join(f'{v:.1f}' for v in m['runs'])}); one step: forward {m['forward'] * 1000:.0f} ms "
                  f"({args.batch / m['forward']:.0f} tok/s alone), sampler {m['sampler'] * 1000:.0f} ms")
            linear_rate = m["linear_flops"] / m["linear_seconds"] if m["linear_seconds"] else 0.0
            if linear_rate:
                print(f"  inside the forward: linear layers {m['linear_seconds'] * 1000:.0f} ms at "
                      f"{linear_rate / 1e9:.0f} GFLOP/s ({linear_rate / flops[dtype]:.0%} of the square matmul's), "
                      f"everything else {max(m['forward'] - m['linear_seconds'], 0) * 1000:.0f} ms")
            print(ratio_line("teacher_roofline", m["measured"] / limit, f"{m['measured']:.1f} tok/s {label}",
                             f"roofline {limit:.0f} tok/s", ">= 0.5" if not informational else "(informational)"))
        if Path(alias).is_dir() or args.device != "cpu" or "llamacpp" not in args.backends:
            continue
        m = measure_llama_cpp(alias, args.batch, new_tokens, args.repeats, greedy=bool(args.llamacpp_quants))
        if m is None:
            print(f"llama.cpp {alias}: not measured (pip install 'synthlib[llamacpp]')")
            continue
        # llama.cpp multiplies quantized weights with integer dot products: hold it to the best matmul rate
        # measured (float32 or bfloat16) and to the bytes it actually reads, the GGUF's quantized tensors
        best = max(flops.values())
        print_llama_cpp(m, f"{alias} llamacpp batch {args.batch} on cpu", args.batch, bandwidth, best,
                        "(informational)" if informational else ">= 0.5")
        for quant in args.llamacpp_quants:
            print_requantized(alias, quant, m["greedy"], args.batch, new_tokens, args.repeats, bandwidth, best)


def print_requantized(alias: str, quant: str, shipped_greedy: list[str], batch: int, new_tokens: int, repeats: int,
                      bandwidth: float, flops: float) -> None:
    """Measure and print the packaged GGUF requantized to ``quant`` (made in a temporary folder), with how many
    of its greedy texts equal the shipped file's ``shipped_greedy``."""
    with tempfile.TemporaryDirectory() as folder:
        q = measure_llama_cpp(alias, batch, new_tokens, repeats, gguf=requantized(alias, quant, Path(folder)),
                              greedy=True)
    same = sum(a == b for a, b in zip(q["greedy"], shipped_greedy))
    print_llama_cpp(q, f"{alias} llamacpp requantized to {quant} batch {batch} on cpu", batch, bandwidth, flops,
                    "(informational: a second rounding of the shipped weights)",
                    f"; greedy texts equal to the shipped file's: {same} of {len(shipped_greedy)}")


def print_llama_cpp(m: dict, label: str, batch: int, bandwidth: float, flops: float, goal: str,
                    extra: str = "") -> None:
    """The figures and ratio line of one llamacpp measurement ``m`` (see :func:`measure_llama_cpp`)."""
    limit = roofline(batch, m["params"], m["weight_bytes"], bandwidth, flops)
    print(f"{label} ({m['description']}): {m['params'] / 1e6:.0f}M params, {m['weight_bytes'] / 1e6:.0f} MB; "
          f"roofline {limit:.0f} tok/s; measured {m['measured']:.1f} tok/s "
          f"(runs {', '.join(f'{v:.1f}' for v in m['runs'])}){extra}")
    print(ratio_line("teacher_roofline", m["measured"] / limit, f"{m['measured']:.1f} tok/s {label}",
                     f"roofline {limit:.0f} tok/s", goal))


if __name__ == "__main__":
    main()
