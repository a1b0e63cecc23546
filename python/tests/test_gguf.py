"""AttentionAnalyzer on a GGUF file: the quantized model's attention, its own tokenizer."""

import numpy as np
import pytest

import attnscope
from conftest import shared_dir

TEXT = "Once upon a time there was a cat"


def gguf(name):
    shared = shared_dir()
    if shared is None:
        pytest.skip("needs the shared golden models (../shared or $ATTNSCOPE_SHARED_DIR)")
    return str(shared / "models" / "gguf" / (name + ".gguf"))


def test_gguf_file_is_a_model(cli):
    path = gguf("stories260k-hf-q4_k")
    a = attnscope.AttentionAnalyzer(path)
    p = a.get_attention_patterns(TEXT)
    assert p.tokens[0] == "<s>"  # the file's tokenizer adds BOS
    n = len(p.tokens)
    assert p.attention.shape == (5, 8, n, n)
    np.testing.assert_allclose(p.attention.sum(axis=-1), 1.0, atol=1e-5)
    # The same numbers as the CLI on the same file.
    heads = cli("analyze", "--model", path, "--text", TEXT, "--format", "json")["heads"]
    assert len(heads) == 40


def test_quantization_changes_attention_a_little():
    f32 = attnscope.AttentionAnalyzer(gguf("stories260k-hf-f32")).get_attention_patterns(TEXT)
    q4 = attnscope.AttentionAnalyzer(gguf("stories260k-hf-q4_k")).get_attention_patterns(TEXT)
    diff = np.abs(f32.attention - q4.attention).max()
    assert 0.0 < diff < 0.9
