"""leading_bos: Gemma's <bos> is added once, BERT-style and BOS-less tokenizers get nothing."""

from __future__ import annotations

import pytest

from synthlib.students.encoding import _encode_causal
from synthlib.students.losses import IGNORE_INDEX
from synthlib.tokens import leading_bos


def test_wordpiece_tokenizer_gets_no_bos():
    from transformers import AutoTokenizer

    from synthlib.students import minilm_path

    assert leading_bos(AutoTokenizer.from_pretrained(str(minilm_path()))) == ""


@pytest.mark.slow
def test_gemma_training_rows_start_with_bos_and_keep_it_when_truncated():
    from transformers import AutoTokenizer

    from synthlib.packaged import checkpoint_dir

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint_dir("gemma-3-270m")))
    assert leading_bos(tokenizer) == "<bos>"
    rows = _encode_causal(tokenizer, ["Zürich is in", "word " * 50], ["Switzerland.", "end"], 16, False)
    for ids, labels in zip(rows["input_ids"], rows["labels"], strict=True):
        assert ids[0] == tokenizer.bos_token_id and ids.count(tokenizer.bos_token_id) == 1
        assert labels[0] == IGNORE_INDEX and len(ids) <= 16
    assert rows["labels"][0][-1] == tokenizer.eos_token_id  # the target is learned, up to its end
