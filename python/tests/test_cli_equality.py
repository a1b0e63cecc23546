"""The module and the CLI give the same results: the JSON `attnscope <command> --format json`
prints equals what Python returns, on the demo model and on golden tiny models."""

import pytest

import attnscope
from conftest import shared_model

TEXT = "the cat sat on the mat . the cat sat"


def models():
    return [
        pytest.param("demo", id="demo"),
        pytest.param("tiny-gpt2", id="tiny-gpt2"),
        pytest.param("tiny-bert", id="tiny-bert"),
    ]


def spec(name):
    return name if name == "demo" else shared_model(name)


@pytest.fixture(scope="module")
def analyzers():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = attnscope.AttentionAnalyzer(spec(name))
        return cache[name]

    return get


@pytest.mark.parametrize("name", models())
def test_analyze_equals_cli(cli, analyzers, name):
    a = analyzers(name)
    assert a.analyze(TEXT).to_dict() == cli("analyze", "--model", a.model, "--text", TEXT,
                                            "--format", "json")
    texts = [TEXT, "a second text"]
    args = ["analyze", "--model", a.model, "--format", "json"]
    for t in texts:
        args += ["--text", t]
    assert a.analyze(texts, layers=[0]).to_dict() == cli(*args, "--layers", "0")


@pytest.mark.parametrize("name", models())
def test_analyze_pattern_equals_cli_heads(cli, analyzers, name):
    a = analyzers(name)
    expected = cli("analyze", "--model", a.model, "--text", TEXT, "--format", "json")["heads"]
    p = a.get_attention_patterns(TEXT)
    got = [h for k in range(len(p)) for h in a.analyze_pattern(p.layer(k))]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g == e


@pytest.mark.parametrize("name", models())
@pytest.mark.parametrize("method", ["raw", "rollout", "flow", "norm"])
def test_importance_equals_cli(cli, analyzers, name, method):
    a = analyzers(name)
    ranked = cli("importance", "--model", a.model, "--text", TEXT, "--method", method,
                 "--format", "json")["tokens"]
    expected = [(t["token"], t["score"]) for t in sorted(ranked, key=lambda t: t["position"])]
    assert a.get_token_importance(TEXT, method=method) == expected


def test_probe_similarity_compare_equal_cli(cli, analyzers):
    a = analyzers("demo")
    assert a.probe(n=8, batches=2, seed=3) == cli("probe", "--model", "demo", "--n", "8",
                                                  "--batches", "2", "--seed", "3",
                                                  "--format", "json")
    texts = ["the cat sat on the mat", "the dog sat on the rug"]
    assert a.similarity(texts, cut=2) == cli("similarity", "--model", "demo", "--text", texts[0],
                                             "--text", texts[1], "--cut", "2", "--format", "json")
    assert a.compare(*texts) == cli("compare", "--model", "demo", "--text", texts[0],
                                    "--text", texts[1], "--format", "json")


def test_error_message_equals_cli(cli, tmp_path):
    import subprocess

    missing = str(tmp_path / "no-such-model")
    done = subprocess.run([cli.binary, "analyze", "--model", missing, "--text", "x"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    with pytest.raises(attnscope.Error) as info:
        attnscope.AttentionAnalyzer(missing)
    assert done.stderr.strip() == "attnscope: error: " + str(info.value)
