"""The ``llamacpp`` backend: a GGUF model run in-process by llama.cpp, quantized as shipped.

``pip install 'synthlib[llamacpp]'`` (``llama-cpp-python``; it compiles from source for this CPU:
9 min on an idle 2-core machine, ~17 under load). A reference ``llamacpp:<packaged alias or path.gguf>`` loads it.

Why a second local backend: transformers dequantizes a GGUF to float and multiplies float
matrices, while llama.cpp multiplies the quantized weights as stored (a fifth to a quarter of
float32's bytes per decode step). ``benchmarks/teacher_roofline.py`` measures both at batch 16.

Everything above the forward pass is the hf backend's (:class:`~synthlib.teachers.hf.HFTeacher`):
the chat template and tokenizer (the model's transformers tokenizer: the same token ids as the
GGUF's vocabulary), the decode loop, the per-request Gumbel-max sampler, stop strings and the
constrained decoder. :class:`LlamaCppLM` stands in for the transformers model: it takes the same
call (``input_ids``, ``attention_mask``, ``position_ids``, ``past_key_values``, ``logits_to_keep``)
and returns float32 logits; :class:`SequenceCache` stands in for ``DynamicCache``, each batch row a
llama.cpp sequence in one unified KV cache, so a copied row (a shared few-shot prefix, a field's
retry, a choice's options) is a ``seq_cp`` that shares cells instead of copying tensors.

Reproducibility: a request's text is fixed by its seed, its batch and this backend's signature
(llama.cpp's version is in it), and every answer is cached. Unlike the float32 hf path, llama.cpp's
quantized kernels round differently with the number of tokens in a call (one prompt's logits move
by ~0.3 between one pass and two), so a request sampled alone can differ from the same request in a
batch: of 16 seeded 48-token samples, 8 (Qwen2.5-Coder-0.5B) and 5 (gemma-3-270m) came out identical
alone and in a batch of 16. That is why the book's profiles keep the hf backend.
Flash attention is off: on a CPU it rounds attention through float16 (logits moved by up to 0.37).
With it off, greedy decoding here equals llama.cpp's own high-level API token for token.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from synthlib.config import ConfigError
from synthlib.teachers.base import TeacherSignature
from synthlib.teachers.hf import HFTeacher, _prepare_tokenizer, weight_files_hash
from synthlib.teachers.noise import STREAM as NOISE_STREAM
from synthlib.tokens import leading_bos

INSTALL_HINT = ("the llamacpp backend needs llama-cpp-python: pip install 'synthlib[llamacpp]' (compiles "
                "llama.cpp from source, 9-17 min on two cores), or use the plain alias (the hf backend)")
#: tokens per llama_decode call; longer inputs (a batch's prompts) go in several calls
CHUNK = 512
#: llama.cpp's flash attention on a CPU (its default there) rounds attention through float16: logits moved by
#: up to 0.37 on Qwen2.5-Coder-0.5B against the plain path, which flipped near-tied greedy tokens; 0 = off
FLASH_ATTENTION = 0


def _llama():
    """The ``llama_cpp`` module, or an ImportError naming the install command."""
    try:
        import llama_cpp
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return llama_cpp


class LlamaCppLM:
    """A llama.cpp context behind the call signature of a transformers causal LM (see module doc).

    ``context`` is the KV cache size in tokens, shared by every live sequence (rows, their copies);
    ``sequences`` the most sequences alive at once (llama.cpp allows 256).
    """

    def __init__(self, gguf: str | Path, context: int = 16384, sequences: int = 256, threads: int | None = None):
        import numpy as np

        lib = _llama()
        self.lib = lib
        lib.llama_backend_init()
        from llama_cpp._logger import set_verbose

        set_verbose(False)  # errors only: the load report would flood notebooks
        params = lib.llama_model_default_params()
        self.model = lib.llama_model_load_from_file(str(gguf).encode(), params)
        if not self.model:
            raise ConfigError(f"llama.cpp could not load '{gguf}'; is it a GGUF file?")
        cparams = lib.llama_context_default_params()
        cparams.n_ctx, cparams.n_batch, cparams.n_ubatch = context, CHUNK, CHUNK
        cparams.n_seq_max = sequences
        cparams.n_threads = cparams.n_threads_batch = threads or os.cpu_count() or 1
        cparams.kv_unified = True   # copies share cells across sequences
        cparams.swa_full = True     # a sliding-window layer keeps every cell: a copy may still need them
        cparams.flash_attn_type = FLASH_ATTENTION
        self.ctx = lib.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            raise RuntimeError(f"llama.cpp could not create a context of {context} tokens for '{gguf}'")
        self.memory = lib.llama_get_memory(self.ctx)
        vocab = lib.llama_model_get_vocab(self.model)
        self.vocab_size = lib.llama_vocab_n_tokens(vocab)
        self.config = SimpleNamespace(is_encoder_decoder=False, vocab_size=self.vocab_size,
                                      max_position_embeddings=min(context, lib.llama_model_n_ctx_train(self.model)))
        self.free_sequences = list(range(sequences - 1, -1, -1))
        self.batch = lib.llama_batch_init(CHUNK, 0, 1)
        self.description = _description(lib, self.model)
        self._np = np

    # -- the transformers-like surface that synthlib.teachers.decoding uses --------------------------------
    def parameters(self):
        """One float32 tensor: the decode loop reads the dtype (float32 lets a shared prefix run once)."""
        import torch

        yield torch.zeros(1)

    def new_cache(self) -> SequenceCache:
        """An empty cache (no rows yet); the first call gives it one sequence per input row."""
        return SequenceCache(self, [])

    def __call__(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None, use_cache=True,
                 logits_to_keep: int = 0):
        """Run the new tokens of each row (columns whose mask is 1) on that row's sequence; returns an
        object with ``.logits`` (rows x kept positions x vocabulary, float32; zeros at masked columns)."""
        import torch

        cache = past_key_values if past_key_values is not None else self.new_cache()
        rows, width = input_ids.shape
        if not cache.sequences:
            cache.sequences = [self.take_sequence() for _ in range(rows)]
        if len(cache.sequences) != rows:
            raise ValueError(f"{rows} input rows for a cache of {len(cache.sequences)} sequences")
        new_mask = (torch.ones_like(input_ids) if attention_mask is None else attention_mask[:, -width:]).bool()
        if position_ids is None:
            position_ids = torch.stack([self.next_position(s) + torch.arange(width) for s in cache.sequences])
        kept = width if not logits_to_keep else min(logits_to_keep, width)
        entries = [(int(token), int(position), cache.sequences[r], column >= width - kept, r, column - (width - kept))
                   for r, (ids, positions, keep) in enumerate(zip(input_ids.tolist(), position_ids.tolist(),
                                                                     new_mask.tolist(), strict=True))
                   for column, (token, position, real) in enumerate(zip(ids, positions, keep, strict=True)) if real]
        wanted = sum(entry[3] for entry in entries)
        # every kept position is written when no kept column is masked (each decode step): no zero fill
        logits = (torch.empty if wanted == rows * kept else torch.zeros)(rows, kept, self.vocab_size)
        for start in range(0, len(entries), CHUNK):
            self._decode(entries[start:start + CHUNK], logits)
        return SimpleNamespace(logits=logits, past_key_values=cache)

    def _decode(self, entries: list[tuple], logits) -> None:
        """One llama_decode over ``entries`` (token, position, sequence, wants logits, row, column); the
        wanted logits are copied into ``logits`` (llama.cpp overwrites its buffer at the next call)."""
        import torch

        batch = self.batch
        for i, (token, position, sequence, wanted, _, _) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, position, 1
            batch.seq_id[i][0] = sequence
            batch.logits[i] = wanted
        batch.n_tokens = len(entries)
        status = self.lib.llama_decode(self.ctx, batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed (status {status}): the KV cache is full or the batch is "
                               "invalid; pass a larger context= (runtime keyword) or a smaller batch_size")
        places = [(row, column) for _, _, _, wanted, row, column in entries if wanted]
        if places:  # llama.cpp keeps the wanted outputs contiguous, in batch order: one copy for all of them
            outputs = self._np.ctypeslib.as_array(self.lib.llama_get_logits(self.ctx),
                                                  shape=(len(places), self.vocab_size))
            rows, columns = zip(*places, strict=True)
            logits[list(rows), list(columns)] = torch.from_numpy(outputs)

    # -- sequences -----------------------------------------------------------------------------
    def take_sequence(self) -> int:
        """A free sequence id (empty in the KV cache)."""
        if not self.free_sequences:
            raise RuntimeError("llama.cpp: every sequence id is in use; pass a smaller batch_size")
        return self.free_sequences.pop()

    def copy_sequence(self, source: int) -> int:
        """A new sequence holding the same cells as ``source`` (shared, not copied, in a unified cache)."""
        target = self.take_sequence()
        self.lib.llama_memory_seq_cp(self.memory, source, target, -1, -1)
        return target

    def release(self, sequences: Sequence[int]) -> None:
        """Drop sequences from the KV cache and make their ids free again."""
        for sequence in sequences:
            self.lib.llama_memory_seq_rm(self.memory, sequence, -1, -1)
            self.free_sequences.append(sequence)

    def next_position(self, sequence: int) -> int:
        """The position a sequence's next token takes."""
        return self.lib.llama_memory_seq_pos_max(self.memory, sequence) + 1

    def close(self) -> None:
        """Free the context and the model (the object is unusable after)."""
        if getattr(self, "ctx", None):
            self.lib.llama_batch_free(self.batch)
            self.lib.llama_free(self.ctx)
            self.lib.llama_model_free(self.model)
            self.ctx = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


class SequenceCache:
    """``DynamicCache``'s row operations over llama.cpp sequences: one sequence per batch row.

    Dropping the object (or a row in :meth:`batch_select_indices`) frees its sequences.
    """

    def __init__(self, lm: LlamaCppLM, sequences: list[int]):
        self.lm, self.sequences = lm, sequences

    def batch_repeat_interleave(self, count: int) -> None:
        """Each row becomes ``count`` consecutive rows (copies of it)."""
        self.sequences = [s if k == 0 else self.lm.copy_sequence(s) for s in self.sequences for k in range(count)]

    def batch_select_indices(self, index) -> None:
        """Keep the rows at ``index`` (in that order); a row named twice is copied."""
        chosen, kept = [], set()
        for i in [int(i) for i in index]:
            sequence = self.sequences[i]
            chosen.append(self.lm.copy_sequence(sequence) if sequence in kept else sequence)
            kept.add(sequence)
        self.lm.release([s for s in self.sequences if s not in kept])
        self.sequences = chosen

    def __deepcopy__(self, memo) -> SequenceCache:
        return SequenceCache(self.lm, [self.lm.copy_sequence(s) for s in self.sequences])

    def __del__(self):
        try:
            if self.lm.ctx:
                self.lm.release(self.sequences)
        except Exception:  # interpreter shutdown
            pass
        self.sequences = []


class LlamaCppTeacher(HFTeacher):
    """A GGUF model in llama.cpp as a teacher: the hf backend's decoding over a :class:`LlamaCppLM`.

    ``model`` is a packaged alias (its GGUF and its transformers tokenizer come from the model cache)
    or a ``.gguf`` path (then pass ``tokenizer``: a transformers tokenizer or a folder holding one).
    ``context``, ``threads`` and ``batch_size`` are runtime settings and never enter the signature.
    """

    def __init__(self, model: str, tokenizer: Any = None, batch_size: int = 16, context: int = 16384,
                 threads: int | None = None, **unused: Any):
        from synthlib import packaged

        if unused.pop("device", "cpu") not in (None, "cpu"):
            raise ConfigError("the llamacpp backend runs on the CPU; drop device= or use the hf backend on CUDA")
        if unused:
            raise TypeError(f"unexpected llamacpp keywords: {', '.join(sorted(unused))}")
        _llama()  # the install hint before any model work
        if packaged.is_packaged(model):
            gguf, revision = packaged.gguf_path(model), packaged.weight_hash(model)
            tokenizer = tokenizer or packaged.checkpoint_dir(model)
        else:
            gguf, revision = Path(model).expanduser(), None
            if not gguf.is_file():
                raise ConfigError(f"'{model}' is neither a packaged alias nor a GGUF file")
            if tokenizer is None:
                raise ConfigError(f"a GGUF path needs tokenizer= (a transformers tokenizer or its folder) for '{model}'")
        if isinstance(tokenizer, (str, Path)):
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer))
        self.device, self.batch_size = "cpu", batch_size
        self.model = LlamaCppLM(gguf, context=context, threads=threads)
        self.tokenizer = _prepare_tokenizer(tokenizer, False)
        self.seq2seq = False
        self._bos_text = leading_bos(self.tokenizer)
        version = getattr(self.model.lib, "__version__", "")
        self._signature = TeacherSignature(
            backend="llamacpp", model=model, revision=revision or weight_files_hash([gguf]),
            dtype=f"{self.model.description}; llama-cpp-python {version}", sampler=NOISE_STREAM)


def _description(lib, model) -> str:
    """llama.cpp's one-line model description (architecture, size, quantization)."""
    buffer = ctypes.create_string_buffer(256)
    lib.llama_model_desc(model, buffer, len(buffer))
    return buffer.value.decode(errors="replace")

