"""The ``llamacpp`` backend: references, errors without the extra, and (where llama-cpp-python is installed)
a real packaged GGUF checked against llama.cpp's own high-level API and against itself across batches."""

import importlib.util

import pytest

from synthlib.config import ConfigError
from synthlib.models import model_kind

HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None
ALIAS = "qwen2.5-coder-0.5b-instruct"
needs_llama = pytest.mark.skipif(not HAVE_LLAMA, reason="llama-cpp-python is not installed (synthlib[llamacpp])")


def test_references_are_classified():
    assert model_kind(f"llamacpp:{ALIAS}") == "llamacpp"
    assert model_kind("llamacpp:/models/any.gguf") == "llamacpp"
    for bad in ("llamacpp:minilm", "llamacpp:", "llamacpp:google/gemma-3-270m"):
        with pytest.raises(ConfigError, match="llamacpp:<packaged LLM alias>"):
            model_kind(bad)


def test_students_and_frozen_lms_refuse_the_backend():
    from synthlib.softprompt.frozen import load_frozen
    from synthlib.students.loading import load_student

    with pytest.raises(ConfigError, match="inference backend for teachers"):
        load_student(f"llamacpp:{ALIAS}", "classifier", ["a", "b"])
    with pytest.raises(ConfigError, match="weights as torch tensors"):
        load_frozen(f"llamacpp:{ALIAS}")


@pytest.mark.skipif(HAVE_LLAMA, reason="checks the message shown where llama-cpp-python is missing")
def test_missing_extra_names_the_install_command(tmp_path):
    from synthlib.teachers import load_teacher

    with pytest.raises(ImportError, match=r"synthlib\[llamacpp\]"):
        load_teacher(f"llamacpp:{ALIAS}", cache=tmp_path / "c.sqlite")


# -- a real GGUF in llama.cpp ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def teacher():
    from synthlib.teachers.llamacpp import LlamaCppTeacher

    return LlamaCppTeacher(ALIAS, batch_size=4)


@needs_llama
@pytest.mark.slow
def test_greedy_matches_llama_cpps_own_decoding(teacher):
    """Our decode loop over the shim picks the tokens llama.cpp's high-level API picks (a single stream)."""
    from llama_cpp import Llama

    from synthlib.packaged import gguf_path
    from synthlib.teachers import Request, SamplingParams

    messages = ({"role": "user", "content": "Name three rivers in Europe, café-style: « Seine », …"},)
    ours = teacher.generate([Request(messages=messages, sampling=SamplingParams(max_new_tokens=24, temperature=0.0))])
    prompt_ids = teacher.tokenizer(teacher.render(Request(messages=messages)), add_special_tokens=False)["input_ids"]
    reference = Llama(model_path=str(gguf_path(ALIAS)), n_ctx=512, verbose=False, seed=0)
    reference.reset()
    expected = []
    for token in reference.generate(prompt_ids, temp=0.0, top_k=1, reset=True):
        if token == reference.token_eos() or len(expected) == 24:
            break
        expected.append(token)
    assert ours[0].completion_tokens >= 1
    assert teacher.tokenizer(ours[0].text, add_special_tokens=False)["input_ids"] == expected


@needs_llama
@pytest.mark.slow
def test_copied_sequences_continue_like_the_original(teacher):
    """A shared prefix run once and copied to two rows, then different suffixes: each row's logits match its
    prompt run alone, and not the other row's. llama.cpp's kernels round differently with the number of
    tokens in a call (its own logits for one prompt move by ~0.3 between one pass and two), so the match
    is to a tolerance, and the other row's prompt is the control that shows the tolerance discriminates."""
    import torch

    from synthlib.teachers.decoding import prefill

    lm = teacher.model
    head = teacher.tokenizer("The river Seine flows through Paris and then", add_special_tokens=False)["input_ids"] * 3
    tails = [teacher.tokenizer(t, add_special_tokens=False)["input_ids"] for t in (" north", " into the sea at Le Havre")]
    prompts = [head + t for t in tails]
    width = max(map(len, prompts))
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    free_before = len(lm.free_sequences)
    cache, logits, _ = prefill(lm, ids, mask)
    alone = [lm(input_ids=torch.tensor([p]), logits_to_keep=1).logits[0, -1] for p in prompts]
    for row in range(2):
        own = float((alone[row] - logits[row, -1]).abs().max())
        other = float((alone[1 - row] - logits[row, -1]).abs().max())
        assert own < 0.6 < 3 < other, (row, own, other)
        assert torch.argmax(alone[row]) == torch.argmax(logits[row, -1])
    del cache
    assert len(lm.free_sequences) == free_before  # dropped caches give their sequences back


@needs_llama
@pytest.mark.slow
def test_constrained_formats_parse_and_sequences_are_released(teacher):
    """The constrained decoder (copies, selections, option scoring) runs over llama.cpp sequences."""
    from synthlib.tasks.formats import get_format
    from synthlib.teachers import Request, SamplingParams
    from synthlib.teachers.base import instruction_of
    from synthlib.teachers.delivery import Delivery
    from synthlib.teachers.parsing import safe_parse

    free_before = len(teacher.model.free_sequences)
    sampling = SamplingParams(max_new_tokens=48, temperature=0.7, top_p=0.95)
    requests = []
    for name, fields in (("sentiment", {"label": "negative"}), ("nli", {"label": "entailment", "premise": "Un homme en manteau rouge walks his dog along the Seine."})):
        fmt = get_format(name)
        requests += [Delivery("chat", honours_constraints=True).adapt(
            Request(prompt=fmt.prompt(**fields), sampling=sampling, seed=i, constraint=name, metadata={"format": name}))
            for i in range(2)]
    generations = teacher.generate(requests)
    for request, generation in zip(requests, generations, strict=True):
        outcome = safe_parse(get_format(request.constraint).parse, generation.text, instruction_of(request))
        assert outcome.ok, (generation.text, outcome.reason)
    assert len(teacher.model.free_sequences) == free_before


@needs_llama
@pytest.mark.slow
def test_a_request_is_reproducible_and_signed(teacher):
    from synthlib.teachers import Request, SamplingParams

    sampling = SamplingParams(max_new_tokens=16, temperature=1.0, top_p=0.95)
    requests = [Request(messages=({"role": "user", "content": f"Write a sentence about {w}."},), sampling=sampling,
                        seed=3) for w in ("rain", "snow", "wind")]
    first = [g.text for g in teacher.generate(requests)]
    assert [g.text for g in teacher.generate(requests)] == first  # same batch, same seeds: same texts
    signature = teacher.signature
    assert signature.backend == "llamacpp" and signature.sampler and "llama-cpp-python" in signature.dtype
    assert "Q" in signature.dtype or "F" in signature.dtype  # the quantization is part of the cache key
