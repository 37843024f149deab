"""The hf backend on tiny random models: batching, seeds, stop strings, chat, seq2seq, constraints."""

import pytest
import torch

from synthlib.tasks.formats import FORMATS, is_span
from synthlib.teachers import CachedTeacher, Request, SamplingParams
from synthlib.teachers.hf import tiny_random_teacher
from synthlib.teachers.parsing import parse_tagged

SAMPLED = SamplingParams(max_new_tokens=10, temperature=1.0, top_p=0.9, top_k=50)


@pytest.fixture(scope="module")
def gpt2():
    return tiny_random_teacher("tiny-random-gpt2", batch_size=4)


def _prompts(n):
    return [f"The river {'flooded the city ' * (i % 4)}and" for i in range(n)]


def test_sampled_outputs_depend_on_seed_and_index_not_on_batch(gpt2):
    requests = [Request(prompt=p, sampling=SAMPLED, seed=3, sample_index=i) for i, p in enumerate(_prompts(9))]
    batched = [g.text for g in gpt2.generate(requests)]
    alone = [gpt2.generate([r])[0].text for r in requests]
    assert batched == alone  # batch-mates and padding do not change a sample
    again = [g.text for g in tiny_random_teacher("tiny-random-gpt2", batch_size=2).generate(requests)]
    assert again == batched  # a fresh model object, another batch size: same samples
    other_seed = [g.text for g in gpt2.generate([Request(prompt=r.prompt, sampling=SAMPLED, seed=4,
                                                         sample_index=r.sample_index) for r in requests])]
    assert other_seed != batched
    same_prompt = gpt2.generate([Request(prompt="x", sampling=SAMPLED, seed=1, sample_index=k) for k in range(4)])
    assert len({g.text for g in same_prompt}) > 1  # distinct sample indices draw distinct samples


def test_batches_are_length_sorted_and_share_sampling(gpt2):
    requests = [Request(prompt="a " * n, sampling=SAMPLED) for n in (3, 40, 7, 25, 1, 30)]
    requests.append(Request(prompt="b", sampling=SamplingParams(max_new_tokens=3, temperature=0)))
    batches = gpt2.plan(requests)
    assert batches[0] == [1, 5, 3, 2] and batches[1] == [0, 4] and batches[2] == [6]


def test_counts_finish_reasons_logprobs_and_stop_strings(gpt2):
    greedy = SamplingParams(max_new_tokens=8, temperature=0, logprobs=True)
    [out] = gpt2.generate([Request(prompt="hello there", sampling=greedy)])
    assert out.completion_tokens == 8 and out.finish_reason == "length" and len(out.logprobs) == 8
    assert all(lp <= 0 for lp in out.logprobs) and out.prompt_tokens > 0
    assert out.metadata["stand_in"] is True  # tiny random models are labelled like stand-ins
    stop = out.text[3:5]
    [cut] = gpt2.generate([Request(prompt="hello there", sampling=SamplingParams(max_new_tokens=8, temperature=0,
                                                                                   stop=(stop,)))])
    assert stop not in cut.text and out.text.startswith(cut.text) and cut.finish_reason == "stop"


def test_chat_messages_are_rendered_without_a_template(gpt2):
    request = Request(messages=({"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}))
    assert gpt2.render(request) == "system: be brief\nuser: hi\nassistant:"
    assert len(gpt2.generate([request])) == 1


def test_a_trailing_assistant_turn_is_continued_not_closed(gpt2):
    request = Request(messages=({"role": "user", "content": "hi"}, {"role": "assistant", "content": "[tag]"}))
    assert gpt2.render(request) == "user: hi\nassistant: [tag]"


def test_chat_templates_continue_a_prefilled_answer():
    from transformers import AutoTokenizer

    from synthlib.students.loading import minilm_path

    tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()))
    tokenizer.chat_template = ("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% if not (loop.last and "
                               "continue_final_message) %}</{{ m.role }}>{% endif %}{% endfor %}"
                               "{% if add_generation_prompt %}<assistant>{% endif %}")
    teacher = tiny_random_teacher("tiny-random-gpt2")
    teacher.tokenizer = tokenizer
    messages = ({"role": "user", "content": "hi"},)
    assert teacher.render(Request(messages=messages)).endswith("</user><assistant>")
    prefilled = teacher.render(Request(messages=(*messages, {"role": "assistant", "content": "[tag]"})))
    assert prefilled.endswith("</user><assistant>[tag]")


def test_seq2seq_models_generate_reproducibly():
    t5 = tiny_random_teacher("tiny-random-t5", batch_size=3)
    requests = [Request(prompt=p, sampling=SAMPLED, seed=5) for p in _prompts(5)]
    batched = [g.text for g in t5.generate(requests)]
    assert batched == [t5.generate([r])[0].text for r in requests]
    assert t5.signature.backend == "hf" and t5.seq2seq


@pytest.mark.parametrize("name", list(FORMATS))
def test_constrained_decoding_always_writes_the_format_skeleton(gpt2, name):
    fmt = FORMATS[name]
    requests = [Request(prompt=f"sample {i}", sampling=SAMPLED, seed=i, constraint=name) for i in range(3)]
    outputs = gpt2.generate(requests)
    for output in outputs:
        # the literals are forced whatever the (random) model writes in between
        literals = [s.text.strip() for s in fmt.segments if s.kind == "literal" and s.text.strip()]
        position = 0
        for literal in literals:
            position = output.text.index(literal, position) + len(literal)
        assert output.metadata["constrained"] == name
    # reproducible: the same requests give the same outputs (batch-invariance is tested for plain sampling;
    # over long constrained outputs a random model's near-tied logits can differ with padding)
    assert [g.text for g in gpt2.generate(requests)] == [g.text for g in outputs]


def test_the_hf_backend_under_the_cache_answers_reruns_from_disk(gpt2, tmp_path):
    requests = [Request(prompt=p, sampling=SAMPLED, seed=1) for p in _prompts(6)]
    first = CachedTeacher(gpt2, tmp_path / "c.sqlite", progress=False).generate(requests)
    rerun = CachedTeacher(gpt2, tmp_path / "c.sqlite", progress=False)
    assert [g.text for g in rerun.generate(requests)] == [g.text for g in first]
    assert rerun.stats.hits == 6 and rerun.stats.teacher_seconds == 0


CHAT_TEMPLATE = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% if not (loop.last and "
                 "continue_final_message) %}</{{ m['role'] }}>\n{% endif %}{% endfor %}"
                 "{% if add_generation_prompt %}<assistant>{% endif %}")


def test_a_prefilled_assistant_turn_is_continued_and_returned_whole(gpt2):
    request = Request(messages=({"role": "user", "content": "Write a review."},
                                {"role": "assistant", "content": "[text]"}),
                      sampling=SamplingParams(max_new_tokens=4, temperature=0))
    assert gpt2.render(request).endswith("assistant: [text]")  # no template: the turn is left open
    gpt2.tokenizer.chat_template = CHAT_TEMPLATE
    try:
        rendered = gpt2.render(request)
        opened = gpt2.render(Request(messages=request.messages[:1]))
        generation = gpt2.generate([request])[0]
    finally:
        gpt2.tokenizer.chat_template = None
    assert rendered.endswith("<assistant>[text]") and "</assistant>" not in rendered
    assert opened.endswith("</user>\n<assistant>")
    assert generation.text.startswith("[text]")  # the whole assistant turn, prefill included


def _full_pass_option_logprobs(teacher, prompts, suffixes, options):
    """Reference: each prompt, answer-so-far and option in one forward pass, log-softmax at every position
    (prompt and answer tokenized apart, as constrained decoding feeds them)."""
    tok = teacher.tokenizer
    scores = torch.empty(len(prompts), len(options))
    for row, (prompt, suffix) in enumerate(zip(prompts, suffixes)):
        head = tok(prompt, add_special_tokens=False)["input_ids"]
        start = len(head) + len(tok(suffix, add_special_tokens=False)["input_ids"])
        for col, option in enumerate(options):
            ids = head + tok(suffix + option, add_special_tokens=False)["input_ids"]
            with torch.inference_mode():
                logits = teacher.model(input_ids=torch.tensor([ids])).logits[0].float()
            logprobs = torch.log_softmax(logits[:-1], dim=-1).gather(1, torch.tensor(ids[1:])[:, None]).squeeze(1)
            scores[row, col] = logprobs[start - 1:].sum()
    return scores


@pytest.mark.parametrize("model", ["tiny-random-gpt2"])
def test_choice_scores_from_a_shared_prefill_equal_full_passes(model):
    from synthlib.teachers.constrained import _option_logprobs

    teacher = tiny_random_teacher(model)
    # prompts of different lengths (left padding), a shared few-shot head (the float32 split prefill),
    # answers so far of different lengths, options of one and of several tokens, non-ASCII text
    head = "Example: the film was dreadful.\nLabel: negative\nExample: a joy from start to end.\nLabel: positive\n"
    prompts = [head + "Example: Zürich im Regen, ein Meisterwerk.\n", head + "Example: meh\n", "short:\n"]
    suffixes = ["[text] ein Film\n[label]", "[text] x\n[label]", "[text] ünd so weiter und so fort\n[label]"]
    options = [" positive", " not_entailment", " négatif ünd mehr"]
    for rows in ([0, 1, 2], [0, 1]):  # the first two share their head: it is prefilled once
        prefilled = teacher.prefill_prompts([prompts[r] for r in rows])
        scores, lengths = _option_logprobs(teacher, (prefilled, [suffixes[r] for r in rows]), list(range(len(rows))),
                                           options)
        reference = _full_pass_option_logprobs(teacher, [prompts[r] for r in rows], [suffixes[r] for r in rows],
                                               options)
        assert scores.shape == (len(rows), 3)
        assert torch.allclose(scores, reference, atol=1e-3), (scores, reference)
        assert all(n >= 1 for row in lengths for n in row)
    prefilled = teacher.prefill_prompts(prompts)
    some, _ = _option_logprobs(teacher, (prefilled, suffixes), [2, 0], options)  # a subset of rows, reordered
    assert torch.allclose(some, _full_pass_option_logprobs(teacher, [prompts[2], prompts[0]], [suffixes[2], suffixes[0]],
                                                           options), atol=1e-3)


def test_fields_continue_one_prefill_and_match_a_fresh_prefill():
    """A field decoded on a copy of the prompts' cache samples what a fresh prefill of prompt + answer samples."""
    teacher = tiny_random_teacher("tiny-random-gpt2")
    prompts = ["Write a review of the film.\n", "Write one, über alles, please.\n"]
    written = ["[text]", "[text]"]
    sampling = SamplingParams(max_new_tokens=8, temperature=0)
    requests = [Request(prompt=w, sampling=sampling, seed=i) for i, w in enumerate(written)]
    prefilled = teacher.prefill_prompts(prompts)
    carried = teacher.generate_batch(written, requests, after=(prefilled, [0, 1]))
    again = teacher.generate_batch(written, requests, after=(prefilled, [0, 1]))  # the prompts' cache is untouched
    assert [g.text for g in carried] == [g.text for g in again]
    joint_ids = [teacher.tokenizer(p, add_special_tokens=False)["input_ids"] + teacher.tokenizer(w, add_special_tokens=False)["input_ids"]
                 for p, w in zip(prompts, written)]
    fresh = [teacher.tokenizer.decode(ids) for ids in joint_ids]
    assert [g.text for g in carried] == [g.text for g in teacher.generate_batch(fresh, requests)]


def test_a_requested_label_is_written_not_scored(gpt2, use_mirror):
    from synthlib.teachers.delivery import Delivery

    sampling = SamplingParams(max_new_tokens=12, temperature=1.0)
    asked = [Request(prompt=f"Write a {label} movie review about Zürich.\\nFormat: [text] ... [label] ...",
                     sampling=sampling, seed=i, constraint="sentiment") for i, label in enumerate(["negative", "positive"] * 2)]
    few_shot = [Delivery("fewshot").adapt(r) for r in asked]
    for request, original in zip(few_shot, asked):
        assert request.metadata["option"] in original.prompt  # read before the shots hide the instruction
    for output, request in zip(gpt2.generate(few_shot), few_shot):
        label = FORMATS["sentiment"].parse(output.text).value["label"]
        assert label == request.metadata["option"]
    unasked = [Request(prompt=f"review {i}", sampling=sampling, seed=i, constraint="sentiment") for i in range(6)]
    labels = {FORMATS["sentiment"].parse(o.text).value["label"] for o in gpt2.generate(unasked)}
    assert labels <= {"positive", "negative"}


def test_teachers_sharing_a_tokenizer_object_keep_their_own_padding_side():
    causal = tiny_random_teacher("tiny-random-gpt2")
    tiny_random_teacher("tiny-random-t5")  # the same builtin tokenizer object, padded on the right for T5
    assert causal.tokenizer.padding_side == "left"


@pytest.mark.parametrize(("ids", "written", "expected"), [
    ([5, 6, 7, 5, 8], [], [5, 6, 7, 8]),      # a span may start at any token
    ([5, 6, 7, 5, 8], [5], [6, 8]),           # a repeated token: every occurrence may go on
    ([5, 6, 7, 5, 8], [5, 6], [7]),
    ([5, 6, 7, 5, 8], [5, 8], []),            # the source's end: only a stop is left
    ([5, 6, 7], [6, 5], []),                  # not a run of the source (cannot happen when decoding)
    ([], [], []),
])
def test_span_continuations(ids, written, expected):
    from synthlib.teachers.hf import _continuations

    assert _continuations(ids, written) == expected


def test_span_processor_allows_a_stop_only_after_the_first_token():
    from synthlib.teachers.hf import SpanOf

    stops = torch.zeros(10, dtype=torch.bool)
    stops[9] = True  # EOS, say
    processor = SpanOf(2, [[3, 4, 3, 5], [3, 4, 3, 5], []], stops)
    sequences = torch.tensor([[1, 1], [1, 1], [1, 1]])
    open_rows = processor(sequences, torch.zeros(3, 10)).isfinite()
    assert open_rows[0].nonzero().flatten().tolist() == [3, 4, 5]  # no stop before the span has a token
    assert open_rows[2].nonzero().flatten().tolist() == [9]  # nothing to copy: stop at once
    after = processor(torch.tensor([[1, 1, 3], [1, 1, 4], [1, 1, 0]]), torch.zeros(3, 10)).isfinite()
    assert after[0].nonzero().flatten().tolist() == [4, 5, 9]
    assert after[1].nonzero().flatten().tolist() == [3, 9]


def test_constrained_extractive_answers_are_spans_of_the_context_written_before_them(gpt2):
    """A tiny random model writes the whole sample; its answer must still be a piece of its own context."""
    sampling = SamplingParams(max_new_tokens=24, temperature=1.0)
    requests = [Request(prompt=f"Write a paragraph about Zürich, a question and its answer. ({i})", sampling=sampling,
                        seed=i, constraint="extractive_qa") for i in range(6)]
    outputs = gpt2.generate(requests)
    spans = 0
    for output in outputs:
        parsed = parse_tagged(output.text, ["context", "question", "answer"])
        assert parsed.ok, output.text
        answer = parsed.value["answer"]
        spans += bool(answer.strip())
        assert not answer.strip() or is_span(answer, parsed.value["context"]), (answer, parsed.value["context"])
    assert spans >= 4  # a row's answer is empty only when its context came out empty after every redraw


def test_a_span_with_nothing_to_copy_from_stays_empty_and_costs_nothing(gpt2):
    from synthlib.tasks.formats import Segment
    from synthlib.teachers.constrained import _free

    prompts = ["Write a paragraph.\n", "Write another, über alles.\n"]
    written = ["[context] \n[answer]", "[context] Zürich lies on a lake.\n[answer]"]
    request = Request(prompt="x", sampling=SamplingParams(max_new_tokens=6, temperature=1.0))
    pieces, used = _free(gpt2, (gpt2.prefill_prompts(prompts), written), Segment("span", name="answer",
                         source="context", max_tokens=6), " ", request, [1, 2], [[], []], ["", ""],
                         sources=["", "Zürich lies on a lake."])
    assert pieces[0] == "" and used[0] == 0
    assert used[1] > 0 and is_span(pieces[1], "Zürich lies on a lake.")


def test_no_copy_masks_the_token_that_continues_a_run_and_stops_after_a_whole_one():
    from synthlib.teachers.hf import NoCopyOf

    stops = torch.zeros(10, dtype=torch.bool)
    stops[9] = True
    rule = NoCopyOf(2, [[[5, 6, 7], [5, 8], [5, 1, 2, 3]], [[4]]], stops)
    scores = rule(torch.tensor([[1, 2, 5], [1, 2, 4]]), torch.zeros(2, 10))
    # one token of [5, 6, 7] and [5, 8] is half of them: the next is masked; [5, 1, 2, 3] may go on
    assert torch.isinf(scores[0, [6, 8]]).all() and torch.isfinite(scores[0, [0, 1, 5, 7, 9]]).all()
    assert torch.isinf(scores[1, 9]) and torch.isfinite(scores[1, :9]).all()  # a whole copy may not stop
    opening = rule(torch.tensor([[1, 2], [1, 2]]), torch.zeros(2, 10))
    assert torch.isfinite(opening[0]).all() and torch.isinf(opening[1, 4])  # a field may open like [5, ...]


def test_greedy_decoding_under_no_copy_leaves_the_run_it_would_have_written(gpt2):
    from synthlib.teachers.decoding import decode, greedy, with_processors
    from synthlib.teachers.hf import NoCopyOf

    encoded = gpt2.tokenizer(["The river rose"], return_tensors="pt")
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    pad = gpt2.tokenizer.pad_token_id
    first, _, _ = decode(gpt2.model, ids, mask, 6, greedy, None, pad)
    run = first[0].tolist()
    rule = NoCopyOf(ids.shape[1], [[run]], torch.zeros(gpt2.model.config.vocab_size, dtype=torch.bool))
    again, _, _ = decode(gpt2.model, ids, mask, 6, with_processors([rule], greedy), None, pad)
    assert again[0].tolist()[:3] == run[:3] and again[0].tolist()[3] != run[3]  # it follows half, then must leave


def test_holds_all_bans_stopping_until_the_new_text_holds_every_phrase(gpt2):
    from synthlib.teachers.hf import HoldsAll

    tok = gpt2.tokenizer
    vocab = gpt2.model.config.vocab_size
    stops = torch.zeros(vocab, dtype=torch.bool)
    stops[tok.encode("\n")[0]] = True
    prompt = tok.encode("[summary]")
    row = torch.tensor([prompt + tok.encode(" The bridge in ZÜRICH closed")] * 2)
    rule = HoldsAll(len(prompt), [["zürich", "bridge", "repairs"], ["Zürich", "bridge"]], stops, tok)
    scores = rule(row, torch.zeros(2, vocab))
    assert torch.isinf(scores[0, stops]).all() and torch.isfinite(scores[0, ~stops]).all()  # "repairs" missing
    assert torch.isfinite(scores[1]).all()  # holds both (any case, non-ASCII): it may stop
    nothing = HoldsAll(len(prompt), [[], ["bridge"]], stops, tok)(torch.tensor([prompt, prompt]), torch.zeros(2, vocab))
    assert torch.isfinite(nothing[0]).all() and torch.isinf(nothing[1, stops]).all()


def test_a_missing_phrase_pulls_up_its_opening_token_and_the_token_that_continues_it():
    from synthlib.teachers.hf import _next_of_runs

    runs = [[7, 8, 9], [4, 8]]
    assert _next_of_runs(runs, []) == {7, 4}
    assert _next_of_runs(runs, [1, 7]) == {7, 4, 8}  # [7] begun: 8 goes on with it
    assert _next_of_runs(runs, [7, 8]) == {7, 4, 9}  # [7, 8] begun: 9 finishes it
    assert _next_of_runs(runs, [4]) == {7, 4, 8}
