"""The Python API over the demo model, whose heads are known (docs/demo-model.md)."""

import gc

import numpy as np
import pytest

import attnscope

TEXT = "the cat sat on the mat . the cat sat on the mat ."


def test_patterns_shape_tokens_and_rows(demo):
    p = demo.get_attention_patterns(TEXT)
    enc = demo.encode(TEXT)
    assert p.tokens == enc["tokens"] and p.ids == enc["ids"]
    assert p.tokens[0] == "<s>" and p.special_mask[0] == 1
    n = len(p.tokens)
    assert p.attention.shape == (2, 4, n, n)
    assert p.attention.dtype == np.float32
    assert p.layers == [0, 1] and len(p) == 2 and p.causal
    np.testing.assert_allclose(p.attention.sum(axis=-1), 1.0, atol=1e-5)
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert (p.attention[:, :, upper] == 0).all()  # causal: future keys exactly 0


def test_attention_is_a_read_only_view_kept_alive_by_its_owner(demo):
    p = demo.get_attention_patterns(TEXT)
    a = p.attention
    assert a.base is p
    assert np.shares_memory(a, p.attention)  # the same C++ buffer each time: no copy
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0, 0, 0] = 2.0
    layer = p.layer(1)
    assert layer.attention.base is layer and layer.layer == 1
    assert np.shares_memory(layer.attention, a)
    np.testing.assert_array_equal(layer.attention, a[1])
    expected = a.copy()
    del p, layer
    gc.collect()
    np.testing.assert_array_equal(a, expected)  # the array alone keeps the memory


def test_layer_selection_and_indexing(demo):
    p = demo.get_attention_patterns("the cat sat", layers=[1])
    assert p.layers == [1] and p.attention.shape[0] == 1
    full = demo.get_attention_patterns("the cat sat")
    np.testing.assert_array_equal(p.attention[0], full.attention[1])
    assert full.layer(-1).layer == 1
    with pytest.raises(IndexError):
        full.layer(2)
    with pytest.raises(attnscope.InputError):
        demo.get_attention_patterns("the cat sat", layers=[5])


def test_analyze_pattern_finds_the_designed_heads(demo):
    p = demo.get_attention_patterns(TEXT)
    layer0 = demo.analyze_pattern(p.layer(0))
    assert [h["pattern"] for h in layer0[:3]] == ["previous", "first", "self"]
    assert demo.analyze_pattern(p.layer(1))[1]["pattern"] == "broad"
    h = layer0[0]
    assert h["layer"] == 0 and h["head"] == 0 and h["previous"] > 0.5
    assert set(h["pattern_scores"]) == {"self", "previous", "next", "first", "special", "broad"}
    # A plain array gives the same figures when told what the layer object knows.
    copy = np.array(p.attention[0])
    same = demo.analyze_pattern(copy, causal=True, special_mask=p.special_mask, layer_number=0)
    assert same == layer0
    # Thresholds as the CLI's --pattern-threshold.
    strict = demo.analyze_pattern(p.layer(0), thresholds={"previous": 0.9999})
    assert strict[0]["pattern"] != "previous" or strict[0]["previous"] >= 0.9999


def test_analyze_pattern_rejects_bad_arrays(demo):
    with pytest.raises(ValueError, match=r"expected attention of shape"):
        demo.analyze_pattern(np.zeros((2, 3, 4), dtype=np.float32))
    with pytest.raises(attnscope.InputError, match="unknown pattern threshold 'wide'"):
        demo.analyze_pattern(np.full((1, 2, 2), 0.5, dtype=np.float32), thresholds={"wide": 1})


@pytest.mark.parametrize("method", ["raw", "rollout", "flow", "norm"])
def test_token_importance(demo, method):
    scores = demo.get_token_importance("the cat sat on the mat", method=method)
    tokens = demo.encode("the cat sat on the mat")["tokens"]
    assert [t for t, _ in scores] == tokens
    assert sum(s for _, s in scores) == pytest.approx(1.0, abs=1e-6)  # rollout multiplies f32
    assert all(s >= 0 for _, s in scores)


def test_importance_errors_are_value_errors(demo):
    with pytest.raises(ValueError, match="rollout"):
        demo.get_token_importance("the cat", method="magic")
    with pytest.raises(attnscope.InputError, match="visible_only"):
        demo.get_token_importance("the cat", method="flow", visible_only=True)
    with pytest.raises(attnscope.InputError):
        demo.get_token_importance("the cat", method="rollout", target=99)


def test_analyze_summary(demo):
    s = demo.analyze(["the cat sat on the mat", "the dog sat on the rug"])
    d = s.to_dict()
    assert d["texts"] == 2 and s.texts == 2 and d["model"] == "demo"
    assert len(s.heads) == 8 and len(s.layers) == 2
    assert "entropy_std" in s.heads[0]
    assert s.to_csv().startswith("layer,head")
    assert "layer" in s.table()
    with pytest.raises(attnscope.InputError, match="text 2 of 2: the text is empty"):
        demo.analyze(["the cat", ""])


def test_to_pandas(demo):
    pd = pytest.importorskip("pandas", reason="pandas not installed (python3-pandas)")
    df = demo.analyze("the cat sat on the mat").to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 8
    assert {"layer", "head", "entropy", "pattern", "pattern_scores.broad"} <= set(df.columns)
    assert len(demo.analyze("the cat").to_pandas(level="layer")) == 2


def test_analyze_probe_adds_the_induction_pattern(demo):
    text = "the cat sat on the mat"
    plain = demo.analyze(text).to_dict()
    probed = demo.analyze(text, probe=True).to_dict()
    head = probed["heads"][4]
    assert (head["layer"], head["head"], head["pattern"]) == (1, 0, "induction")
    assert head["pattern_scores"]["induction"] >= 0.9
    assert probed["probe"] == {"n": 20, "batches": 4, "seed": 0}
    assert probed["layers"][1]["pattern_counts"]["induction"] == 1
    assert "probe" not in plain and plain["heads"][4]["pattern"] != "induction"
    # No state kept: a later plain analyze is unchanged.
    assert demo.analyze(text).to_dict() == plain


def test_probe_similarity_compare(demo):
    probe = demo.probe(n=10, batches=2)
    best = max(probe["heads"], key=lambda h: h["induction_score"])
    assert (best["layer"], best["head"]) == (1, 0)  # the designed induction head
    sim = demo.similarity(["the cat sat on the mat"], cut=3)
    assert len(sim["heads"]) == 8 and len(sim["clusters"]) == 3
    cmp = demo.compare("the cat sat on the mat", "the dog sat on the mat")
    assert cmp["tokens_b"][2] == "dog" and len(cmp["heads"]) == 8
    same = demo.compare("the cat sat", other=attnscope.AttentionAnalyzer("demo"))
    assert all(h["js"] == 0 for h in same["heads"])
    with pytest.raises(attnscope.InputError):
        demo.compare("the cat")


def test_errors_are_typed_and_carry_the_library_message(tmp_path):
    with pytest.raises(attnscope.Error) as info:
        attnscope.AttentionAnalyzer(str(tmp_path / "missing"))
    assert str(tmp_path / "missing") in str(info.value)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(attnscope.Error):
        attnscope.AttentionAnalyzer(str(tmp_path))
    assert issubclass(attnscope.InputError, ValueError)
    assert issubclass(attnscope.IoError, OSError)
    assert issubclass(attnscope.LimitError, attnscope.Error)


def test_show_renders_the_offline_snapshot(demo):
    p = demo.get_attention_patterns("the cat sat")
    snap = attnscope.show(p)
    assert snap.html.lstrip().lower().startswith("<!doctype html>")
    assert 'id="attnscope-snapshot"' in snap.html
    assert "<script src=" not in snap.html  # self-contained: nothing to fetch
    frame = p._repr_html_()
    assert frame.startswith("<iframe") and "srcdoc=" in frame and "&lt;script" in frame
    assert "attnscope-snapshot" in attnscope.show(demo, "the cat sat").html
    with pytest.raises(attnscope.InputError):
        attnscope.show(demo)


def test_docstrings():
    doc = attnscope.AttentionAnalyzer.__doc__
    assert "get_attention_patterns" in doc and "demo" in doc
    assert "GIL" in doc
    assert "numpy" in attnscope.AttentionPatterns.attention.__doc__


def test_kept_attention_above_the_memory_budget_is_refused():
    small = attnscope.AttentionAnalyzer("demo", max_memory=3 * 2**20)
    text = " ".join(["the cat sat on the mat"] * 60)  # 361 tokens: 2*4*361^2 floats = 4.2 MB
    with pytest.raises(attnscope.LimitError, match=r"above the memory budget.*layers="):
        small.get_attention_patterns(text)
    assert small.get_attention_patterns("the cat").attention.shape == (2, 4, 3, 3)
