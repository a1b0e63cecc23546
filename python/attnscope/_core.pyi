"""Type stubs of attnscope's native core (python/src/module.cpp). docs/python.md has the API."""

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Selection = Union[None, int, str, Iterable[int]]
"""Layers or heads: None (all), a number, numbers, or the CLI's spec such as "0,2-3"."""

class Error(Exception): ...
class InputError(Error, ValueError): ...
class LimitError(Error, RuntimeError): ...
class IoError(Error, OSError): ...
class FormatError(Error, ValueError): ...
class UnsupportedError(Error, NotImplementedError): ...
class ShapeError(Error, ValueError): ...
class ConfigError(Error, ValueError): ...
class NumericError(Error, ArithmeticError): ...

class AttentionPatterns:
    tokens: List[str]
    ids: List[int]
    special_mask: List[int]
    causal: bool
    layers: List[int]
    model: str
    text: str
    @property
    def attention(self) -> npt.NDArray[np.float32]:
        """[layer, head, query_pos, key_pos], read-only, a view of this object's memory."""
    def layer(self, index: int) -> LayerAttention: ...
    def __len__(self) -> int: ...
    def _repr_html_(self) -> str: ...

class LayerAttention:
    @property
    def layer(self) -> int: ...
    @property
    def attention(self) -> npt.NDArray[np.float32]:
        """[head, query_pos, key_pos], read-only view."""
    @property
    def tokens(self) -> List[str]: ...
    @property
    def causal(self) -> bool: ...

HeadDict = Dict[str, Any]
"""layer, head, entropy, normalized_entropy, confidence, max, min, mean, self, previous, next,
first, special, distance, distance_normalized (float or None when undefined), pattern (str),
pattern_scores (dict of float or None)."""

class AnalysisSummary:
    @property
    def heads(self) -> List[HeadDict]: ...
    @property
    def layers(self) -> List[Dict[str, Any]]: ...
    @property
    def texts(self) -> int: ...
    @property
    def model(self) -> str: ...
    def to_json(self, indent: int = 2) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_csv(self) -> str: ...
    def table(self) -> str: ...
    def to_pandas(self, level: str = "head") -> Any: ...

class AttentionAnalyzer:
    def __init__(self, model: str, max_memory: Optional[int] = None) -> None: ...
    @property
    def model(self) -> str: ...
    @property
    def causal(self) -> bool: ...
    @property
    def num_layers(self) -> int: ...
    @property
    def num_heads(self) -> int: ...
    def encode(self, text: str, add_special_tokens: bool = True) -> Dict[str, List[Any]]: ...
    def get_attention_patterns(
        self, text: str, *, layers: Selection = None, add_special_tokens: bool = True
    ) -> AttentionPatterns: ...
    @staticmethod
    def analyze_pattern(
        layer: Union[LayerAttention, npt.ArrayLike],
        *,
        special_mask: Optional[Sequence[int]] = None,
        causal: Optional[bool] = None,
        layer_number: int = 0,
        thresholds: Optional[Dict[str, float]] = None,
    ) -> List[HeadDict]: ...
    def get_token_importance(
        self,
        text: str,
        method: str = "raw",
        *,
        target: Optional[int] = None,
        visible_only: bool = False,
        layers: Selection = None,
        heads: Selection = None,
        add_special_tokens: bool = True,
    ) -> List[Tuple[str, float]]: ...
    def analyze(
        self,
        texts: Union[str, Iterable[str]],
        *,
        layers: Selection = None,
        heads: Selection = None,
        thresholds: Optional[Dict[str, float]] = None,
        add_special_tokens: bool = True,
        probe: bool = False,
    ) -> AnalysisSummary: ...
    def probe(self, *, n: int = 20, batches: int = 4, seed: int = 0) -> Dict[str, Any]: ...
    def similarity(
        self,
        texts: Union[str, Iterable[str]],
        *,
        cut: Optional[int] = None,
        threshold: Optional[float] = None,
        layers: Selection = None,
        heads: Selection = None,
        add_special_tokens: bool = True,
    ) -> Dict[str, Any]: ...
    def compare(
        self,
        text_a: str,
        text_b: Optional[str] = None,
        *,
        other: Optional[AttentionAnalyzer] = None,
        top: int = 10,
        add_special_tokens: bool = True,
    ) -> Dict[str, Any]: ...

def _snapshot_html(model: str, text: str, max_tokens: int = 4096) -> str: ...
