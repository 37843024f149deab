"""The ``vllm`` backend: a model run in-process by vLLM (GPU machines; ``pip install synthlib[gpu]``).

vLLM is imported lazily, so this module costs nothing where it is not installed; constructing a
:class:`VLLMTeacher` there fails with a message naming the fix. vLLM batches internally
(continuous batching), so every request goes in one call; per-request ``seed`` makes sampled
outputs reproducible. Chat ``messages`` go through ``LLM.chat`` (the model's chat template).
Constraints (``Request.constraint``) are ignored here: use the hf backend for constrained decoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from synthlib.teachers.base import Generation, Request, ResultCallback, Teacher, TeacherSignature


class VLLMTeacher(Teacher):
    """An in-process vLLM engine for ``model`` (hub id or local path)."""

    def __init__(self, model: str, dtype: str = "auto", revision: str | None = None, adapter: str | None = None,
                 **engine: Any):
        try:
            from vllm import LLM
        except ImportError:
            raise ImportError("the vllm backend needs vLLM: pip install 'synthlib[gpu]' on a CUDA machine, "
                              "or use the hf backend (a plain model id) or an openai:<model>@<url> server") from None
        self.llm = LLM(model=model, dtype=dtype, revision=revision, **engine)
        self.adapter = adapter
        self._signature = TeacherSignature(backend="vllm", model=model, revision=revision or "", dtype=dtype,
                                           adapter=adapter or "")

    @property
    def signature(self) -> TeacherSignature:
        """Backend ``vllm``, the model, revision, dtype and adapter."""
        return self._signature

    def _generate(self, requests: Sequence[Request], on_result: ResultCallback | None) -> list[Generation]:
        from vllm import SamplingParams as VSampling

        def params(request: Request):
            s = request.sampling
            return VSampling(max_tokens=s.max_new_tokens, temperature=s.temperature, top_p=s.top_p,
                             top_k=s.top_k or -1, stop=list(s.stop) or None, seed=request.effective_seed() % 2**31,
                             logprobs=0 if s.logprobs else None)

        chats = [i for i, r in enumerate(requests) if r.messages is not None]
        prompts = [i for i, r in enumerate(requests) if r.messages is None]
        results: list[Generation | None] = [None] * len(requests)
        if prompts:
            outputs = self.llm.generate([requests[i].prompt for i in prompts], [params(requests[i]) for i in prompts])
            self._collect(prompts, outputs, results, on_result)
        if chats:
            outputs = self.llm.chat([list(requests[i].messages) for i in chats], [params(requests[i]) for i in chats])
            self._collect(chats, outputs, results, on_result)
        return results  # type: ignore[return-value]

    @staticmethod
    def _collect(positions, outputs, results, on_result) -> None:
        for i, output in zip(positions, outputs, strict=False):
            choice = output.outputs[0]
            logprobs = None
            if choice.logprobs:
                logprobs = [float(step[token].logprob) for step, token in zip(choice.logprobs, choice.token_ids, strict=False)]
            results[i] = Generation(text=choice.text, prompt_tokens=len(output.prompt_token_ids or []),
                                    completion_tokens=len(choice.token_ids),
                                    finish_reason=choice.finish_reason or "stop", logprobs=logprobs)
            if on_result:
                on_result(i, results[i])
