"""synthlib.softprompt: frozen LLM stays frozen, inputs_embeds generation equals token generation,
documented shapes and parameter counts, checkpoints, and the teacher cache."""

import copy
import hashlib

import pytest
import torch

from synthlib.config import ConfigError
from synthlib.softprompt.context import MeanEmbedding
from synthlib.softprompt.frozen import load_frozen
from synthlib.softprompt.generation import SoftPromptTeacher, generate_from_embeddings
from synthlib.softprompt.params import PromptSpec, build_prompt, parameter_count, parse_variant
from synthlib.softprompt.training import (
    PromptTrainSettings,
    load_prompt,
    new_prompt,
    prompt_hash,
    save_prompt,
    train_prompt,
)
from synthlib.teachers.base import Request, SamplingParams
from synthlib.teachers.cache import CachedTeacher

TEXTS = ["Tom has 3 apples and buys 5 more. How many apples does he have?",
         "Write a function to find the largest number in a list of integers.",
         "Did the river flood? The council opened shelters.",
         "The quick brown fox jumps over the lazy dog."]


@pytest.fixture(scope="module")
def frozen():
    return load_frozen("tiny-random-gpt2")


@pytest.fixture(scope="module")
def encoder(frozen):
    return MeanEmbedding.of(frozen.model, frozen.tokenizer)


def _weights_digest(model) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode() + tensor.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


def _spec(kind, frozen, encoder, tokens=4):
    return PromptSpec(kind, tokens, frozen.model.config.n_embd, encoder.size, k=2, mlp_hidden=16, mlp_layers=3)


@pytest.mark.parametrize("kind", ["np", "mp", "mc"])
def test_training_changes_only_the_prompt(kind, frozen, encoder):
    before = _weights_digest(frozen.model)
    prompt = new_prompt(_spec(kind, frozen, encoder), frozen.model, seed=1)
    start = {k: v.clone() for k, v in prompt.state_dict().items()}
    result = train_prompt(prompt, frozen.model, frozen.tokenizer, encoder, TEXTS,
                          PromptTrainSettings(steps=5, batch_size=2, learning_rate=1e-2), progress=False)
    assert _weights_digest(frozen.model) == before  # bit-identical frozen LLM
    assert all(not p.requires_grad for p in frozen.model.parameters())
    changed = [k for k, v in prompt.state_dict().items() if not torch.equal(v, start[k])]
    assert changed, "no prompt parameter moved"
    assert len(result.losses) == 5 and all(loss == loss for loss in result.losses)


def test_training_lowers_the_reconstruction_loss(frozen, encoder):
    prompt = new_prompt(_spec("np", frozen, encoder), frozen.model)
    result = train_prompt(prompt, frozen.model, frozen.tokenizer, encoder, TEXTS[:1],
                          PromptTrainSettings(steps=40, batch_size=1, learning_rate=5e-2), progress=False)
    assert result.losses[-1] < result.losses[0]  # a random 2-layer LM barely listens to its input: a small drop


def _prompt_as_soft(frozen, encoder, text):
    ids = frozen.tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        real = frozen.model.get_input_embeddings()(torch.tensor(ids))
    spec = PromptSpec("np", len(ids), frozen.model.config.n_embd)
    return build_prompt(spec, init=real), ids


def test_inputs_embeds_generation_equals_token_generation_greedy(frozen, encoder):
    prompt, ids = _prompt_as_soft(frozen, encoder, TEXTS[0])
    sampling = SamplingParams(max_new_tokens=12, temperature=0.0)
    embeds = prompt(torch.zeros(1, 1))
    through_embeds = generate_from_embeddings(frozen.model, frozen.tokenizer, embeds, sampling, [0])[0]
    with torch.no_grad():
        plain = frozen.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                      max_new_tokens=12, do_sample=False,
                                      pad_token_id=frozen.tokenizer.pad_token_id)[0, len(ids):].tolist()
    eos = frozen.tokenizer.eos_token_id
    plain = plain[:plain.index(eos) + 1] if eos in plain else plain
    assert through_embeds == plain and len(plain) > 0


@pytest.mark.parametrize("seed", [0, 7])
def test_soft_prompt_teacher_samples_like_the_text_prompt_with_the_same_seed(frozen, encoder, seed):
    prompt, _ = _prompt_as_soft(frozen, encoder, TEXTS[1])
    teacher = SoftPromptTeacher(prompt, frozen, encoder)
    sampling = SamplingParams(max_new_tokens=16, temperature=1.0)
    soft = teacher.generate([Request(prompt="any context: NP ignores it", sampling=sampling, seed=seed,
                                     sample_index=i) for i in range(3)])
    text = frozen.generate([Request(prompt=TEXTS[1], sampling=sampling, seed=seed, sample_index=i) for i in range(3)])
    assert [g.text.strip() for g in soft] == [g.text.strip() for g in text]
    assert len({g.text for g in soft}) > 1  # distinct sample indices give distinct samples


def test_documented_shapes_and_parameter_counts():
    t, d, e, k, h = 3, 8, 5, 2, 4
    expected = {"np": t * d, "mp": k * t * d + e * k + k, "mc": t * (e * h + h + h * h + h + h * d + d)}
    assert expected == {"np": 24, "mp": 60, "mc": 252}
    z = torch.randn(6, e)
    for kind, count in expected.items():
        spec = PromptSpec(kind, t, d, e, k=k, mlp_hidden=h, mlp_layers=3)
        module = build_prompt(spec)
        assert parameter_count(spec) == count == sum(p.numel() for p in module.parameters())
        assert tuple(module(z).shape) == (6, t, d)
    np_prompt = build_prompt(PromptSpec("np", t, d, e))
    assert torch.equal(np_prompt(z)[0], np_prompt(z)[1])  # non-contextual
    for kind in ("mp", "mc"):
        out = build_prompt(PromptSpec(kind, t, d, e, mlp_hidden=h))(z)
        assert not torch.allclose(out[0], out[1])  # contextual: z moves P
    assert parameter_count(PromptSpec("mc", 128, 640, 640)) == 128 * (640 * 128 + 128 + 128 * 128 + 128 + 128 * 640 + 640)


def test_variants_and_bad_specs_are_explained():
    assert parse_variant("np") == ("np", 0) and parse_variant("mp4") == ("mp", 4) and parse_variant("mc") == ("mc", 0)
    with pytest.raises(ConfigError, match="use np, mc or mp<k>"):
        parse_variant("mlp")
    with pytest.raises(ConfigError, match="needs context_size"):
        PromptSpec("mc", 4, 8)
    with pytest.raises(ValueError, match="expected \\(4, 8\\)"):
        build_prompt(PromptSpec("np", 4, 8), init=torch.zeros(3, 8))


def test_checkpoint_round_trip_and_hash(tmp_path, frozen, encoder):
    prompt = new_prompt(_spec("mc", frozen, encoder), frozen.model, seed=3)
    path = save_prompt(prompt, tmp_path / "p.pt", {"frozen": "tiny-random-gpt2"})
    loaded, extra = load_prompt(path)
    assert extra == {"frozen": "tiny-random-gpt2"} and loaded.spec == prompt.spec
    assert prompt_hash(loaded) == prompt_hash(prompt)
    z = encoder.encode(TEXTS[:2])
    assert torch.equal(loaded(z), prompt(z))
    with torch.no_grad():
        loaded.out_bias.add_(1.0)
    assert prompt_hash(loaded) != prompt_hash(prompt)


def test_generation_is_cached_and_keyed_by_the_prompt_weights(tmp_path, frozen, encoder):
    prompt = new_prompt(_spec("mp", frozen, encoder), frozen.model, seed=2)
    sampling = SamplingParams(max_new_tokens=8)
    requests = [Request(prompt=TEXTS[i % 2], sampling=sampling, sample_index=i) for i in range(4)]
    cached = CachedTeacher(SoftPromptTeacher(prompt, frozen, encoder, batch_size=3), tmp_path / "c.sqlite",
                           progress=False)
    first = cached.generate(requests)
    again = cached.generate(requests)
    assert [g.text for g in first] == [g.text for g in again] and all(g.cached for g in again)
    assert cached.stats.misses == 4 and cached.stats.hits == 4
    other = new_prompt(_spec("mp", frozen, encoder), frozen.model, seed=9)
    other_cached = CachedTeacher(SoftPromptTeacher(other, frozen, encoder), tmp_path / "c.sqlite", progress=False)
    other_cached.generate(requests[:1])
    assert other_cached.stats.misses == 1  # a different P never reads the first prompt's samples


def test_gemma3_prefix_and_scaled_embeddings_match_token_generation():
    """A 2-layer Gemma3 (which scales its embeddings by sqrt(d) and wants a BOS first): the soft
    teacher prepends BOS and P = the scaled embeddings of the prompt; greedy output equals
    ``generate`` from ``[BOS] + ids``."""
    from tokenizers.processors import TemplateProcessing
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from synthlib.teachers.hf import HFTeacher
    from synthlib.teachers.tokenizer import builtin_tokenizer
    from synthlib.tokens import bos_ids

    tokenizer = copy.deepcopy(builtin_tokenizer())  # the cached original stays without a BOS rule
    bos = tokenizer.bos_token_id
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(single="<|bos|> $A", special_tokens=[("<|bos|>", bos)])
    assert bos_ids(tokenizer) == [bos]
    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=2, num_key_value_heads=1, head_dim=16, sliding_window=16,
                              max_position_embeddings=256, bos_token_id=bos, eos_token_id=tokenizer.eos_token_id,
                              pad_token_id=tokenizer.pad_token_id)
    model = Gemma3ForCausalLM(config).eval()
    frozen = HFTeacher(model, tokenizer, name="tiny-gemma3", stand_in=True)
    ids = tokenizer(TEXTS[0], add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        real = model.get_input_embeddings()(torch.tensor(ids))  # includes Gemma's sqrt(d) scale
    prompt = build_prompt(PromptSpec("np", len(ids), 32), init=real)
    teacher = SoftPromptTeacher(prompt, frozen, MeanEmbedding.of(model, tokenizer))
    sampling = SamplingParams(max_new_tokens=10, temperature=0.0)
    soft = generate_from_embeddings(model, tokenizer, teacher.embeds(["ignored"]), sampling, [0])[0]
    with torch.no_grad():
        plain = model.generate(torch.tensor([[bos] + ids]), attention_mask=torch.ones(1, len(ids) + 1, dtype=torch.long),
                               max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    plain = plain[0, len(ids) + 1:].tolist()
    eos = tokenizer.eos_token_id
    assert soft == (plain[:plain.index(eos) + 1] if eos in plain else plain)
