"""attnscope: attention patterns of transformer models, from Python.

The native library that the `attnscope` command line uses, with the same numbers::

    import attnscope
    a = attnscope.AttentionAnalyzer("demo")          # a folder, a Hugging Face id in the cache, "demo"
    p = a.get_attention_patterns("The quick brown fox")
    p.tokens, p.ids                                  # lists
    p.attention                                      # numpy float32 [layer, head, query_pos, key_pos]
    heads = a.analyze_pattern(p.layer(1))            # list of dicts, one per head
    a.get_token_importance("the cat sat", method="rollout")   # [(token, score), ...]
    s = a.analyze(["text 1", "text 2"])              # AnalysisSummary; s.to_pandas()
    a.probe(); a.similarity(["..."]); a.compare("a text", "another text")
    attnscope.show(p)                                # the dashboard, inline in Jupyter

Errors are attnscope.Error subclasses (InputError is also a ValueError). docs/python.md has the
whole API.
"""

import html as _html

from ._core import (  # noqa: F401  (re-exported)
    AnalysisSummary,
    AttentionAnalyzer,
    AttentionPatterns,
    ConfigError,
    Error,
    FormatError,
    InputError,
    IoError,
    LayerAttention,
    LimitError,
    NumericError,
    ShapeError,
    UnsupportedError,
    __version__,
    _snapshot_html,
)

__all__ = [
    "AnalysisSummary",
    "AttentionAnalyzer",
    "AttentionPatterns",
    "ConfigError",
    "Error",
    "FormatError",
    "InputError",
    "IoError",
    "LayerAttention",
    "LimitError",
    "NumericError",
    "ShapeError",
    "Snapshot",
    "UnsupportedError",
    "show",
]


class Snapshot:
    """The dashboard of one text as one self-contained HTML page (every view, no server, no
    network): the bytes `attnscope report` writes. Jupyter shows it inline (in an iframe, so its
    scripts and styles stay apart from the notebook's); save() writes it to a file."""

    def __init__(self, html: str, height: int = 720):
        self.html = html
        self.height = height

    def _repr_html_(self) -> str:
        return (
            '<iframe style="width:100%;border:1px solid #ddd" height="{}" '
            'sandbox="allow-scripts allow-downloads" srcdoc="{}"></iframe>'
        ).format(int(self.height), _html.escape(self.html, quote=True))

    def save(self, path: str) -> None:
        """Write the page to `path` (it opens offline in any browser)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html)

    def __repr__(self) -> str:
        return "<attnscope.Snapshot {} KB>".format(len(self.html) // 1024)


def show(what, text=None, *, height=720, max_tokens=4096):
    """The dashboard's offline snapshot of one text, for Jupyter (like bertviz's head_view, with
    every view: attention maps, head statistics, token importance).

    what: an AttentionPatterns (its model and text), or an AttentionAnalyzer or a model spec
    (then give `text`). Returns a Snapshot; in a notebook, the last expression of a cell shows it.
    """
    if isinstance(what, AttentionPatterns):
        model = what.model
        text = what.text if text is None else text
    elif isinstance(what, AttentionAnalyzer):
        model = what.model
    elif isinstance(what, str):
        model = what
    else:
        raise InputError(
            "show() takes an AttentionPatterns, an AttentionAnalyzer or a model spec; got "
            + type(what).__name__
        )
    if text is None:
        raise InputError("show() needs the text to show (text=...)")
    return Snapshot(_snapshot_html(model, text, max_tokens), height=height)


def _patterns_repr_html(self) -> str:
    return show(self)._repr_html_()


AttentionPatterns._repr_html_ = _patterns_repr_html
