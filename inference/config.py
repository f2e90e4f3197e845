"""`SambaYConfig`: the hyper-parameters of a SambaY decoder-hybrid-decoder, with its layer layout as data.

The field names are those of Hugging Face's `Phi4FlashConfig` (`model_type: "phi4flash"`), so a checkpoint's
`config.json` maps onto it directly (:meth:`SambaYConfig.from_dict`). Defaults are the released
Phi-4-mini-flash-reasoning values where `config.json` states them, and the HF class defaults for the fields the
released `config.json` omits (`mb_per_layer`, `mamba_*`).

Layer layout (L = `num_hidden_layers`, derived in `__post_init__` into :attr:`SambaYConfig.layer_types`):

====================  =========================================================  ==================
kind                  where                                                      state it caches
====================  =========================================================  ==================
``mamba``             i < L/2, i % mb_per_layer == 0                             conv + SSM state
``sliding_attention`` i < L/2 otherwise (``full_attention`` if no window)        last `window` K/V
``memory_mamba``      i = L/2: Mamba whose ungated scan output is the GMU memory conv + SSM state
``full_attention``    i = L/2 + 1: global attention whose K/V all cross layers   every K/V
                      read (the shared "YOCO" K/V)
``gmu``               i >= L/2 + 2, i % mb_per_layer == 0                        none
``cross_attention``   i >= L/2 + 2 otherwise: queries only, over layer L/2+1 K/V none
====================  =========================================================  ==================

For the released model (L = 32): 9 Mamba (incl. layer 16), 8 sliding-window, 1 full, 7 GMU, 7 cross layers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError, UnsupportedConfig

MAMBA = "mamba"
SLIDING_ATTENTION = "sliding_attention"
MEMORY_MAMBA = "memory_mamba"
FULL_ATTENTION = "full_attention"
GMU = "gmu"
CROSS_ATTENTION = "cross_attention"
LAYER_KINDS = (MAMBA, SLIDING_ATTENTION, MEMORY_MAMBA, FULL_ATTENTION, GMU, CROSS_ATTENTION)
MAMBA_KINDS = (MAMBA, MEMORY_MAMBA)
SELF_ATTENTION_KINDS = (SLIDING_ATTENTION, FULL_ATTENTION)

# HF config keys that carry no architecture information for us (accepted and ignored by from_dict).
_IGNORED_HF_KEYS = frozenset(
    {
        "architectures", "auto_map", "transformers_version", "model_type", "torch_dtype", "dtype", "use_cache",
        "resid_pdrop", "embd_pdrop", "attention_dropout", "initializer_range", "rope_theta", "rope_scaling",
        "_name_or_path", "layer_types", "keys_to_ignore_at_inference", "interleaved_sliding_window",
        "output_attentions", "output_hidden_states", "return_dict", "pretraining_tp", "attention_bias",
    }
)


@dataclass(frozen=True)
class SambaYConfig:
    """Architecture of a SambaY model (HF `phi4flash` field names). Derived fields are filled and checked on init.

    Units: sizes are element counts; `sliding_window` is a number of keys including the query's own position.
    """

    vocab_size: int = 200064
    hidden_size: int = 2560
    intermediate_size: int = 10240
    num_hidden_layers: int = 32
    num_attention_heads: int = 40
    num_key_value_heads: int = 20
    sliding_window: int | None = 512
    layer_norm_eps: float = 1e-5
    hidden_act: str = "silu"
    tie_word_embeddings: bool = True
    max_position_embeddings: int = 262144
    pad_token_id: int | None = 0
    bos_token_id: int | None = 1
    eos_token_id: int | list[int] | None = 2
    mb_per_layer: int = 2
    mamba_d_state: int = 16
    mamba_d_conv: int = 4
    mamba_expand: int = 2
    mamba_dt_rank: int | str = "auto"
    mamba_conv_bias: bool = True
    mamba_proj_bias: bool = False
    torch_dtype: str = "bfloat16"
    # ---- derived (not constructor arguments) ----
    layer_types: tuple[str, ...] = field(init=False)
    head_dim: int = field(init=False)
    mamba_d_inner: int = field(init=False)
    dt_rank: int = field(init=False)
    memory_layer: int = field(init=False)
    kv_layer: int = field(init=False)

    def __post_init__(self) -> None:
        _require_int(self, "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                     "num_attention_heads", "num_key_value_heads", "mb_per_layer", "mamba_d_state",
                     "mamba_d_conv", "mamba_expand")
        if self.hidden_act != "silu":
            raise UnsupportedConfig(f"hidden_act={self.hidden_act!r}: only 'silu' (SwiGLU) is implemented")
        L, H, Hkv = self.num_hidden_layers, self.num_attention_heads, self.num_key_value_heads
        if L % 4 != 0:
            raise UnsupportedConfig(f"num_hidden_layers={L} must be divisible by 4 (SambaY splits at L/2)")
        if self.hidden_size % H != 0:
            raise ConfigError(f"hidden_size={self.hidden_size} is not divisible by num_attention_heads={H}")
        if H % 2 or Hkv % 2:
            raise ConfigError(
                f"differential attention splits heads in two: num_attention_heads={H} and "
                f"num_key_value_heads={Hkv} must both be even")
        if H % Hkv != 0:
            raise ConfigError(f"num_attention_heads={H} is not a multiple of num_key_value_heads={Hkv}")
        if not self.layer_norm_eps > 0:
            raise ConfigError(f"layer_norm_eps={self.layer_norm_eps} must be > 0")
        if self.sliding_window is not None and (not isinstance(self.sliding_window, int)
                                                or isinstance(self.sliding_window, bool)
                                                or self.sliding_window < 1):
            raise ConfigError(f"sliding_window={self.sliding_window!r} must be a positive int or None")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ConfigError(f"pad_token_id={self.pad_token_id} outside the vocabulary [0, {self.vocab_size})")
        if self.mamba_dt_rank == "auto":
            dt_rank = math.ceil(self.hidden_size / 16)
        elif isinstance(self.mamba_dt_rank, int) and not isinstance(self.mamba_dt_rank, bool) \
                and self.mamba_dt_rank > 0:
            dt_rank = self.mamba_dt_rank
        else:
            raise ConfigError(f"mamba_dt_rank={self.mamba_dt_rank!r} must be 'auto' or a positive int")
        if self.mamba_conv_bias is not True or self.mamba_proj_bias is not False:
            raise UnsupportedConfig("only mamba_conv_bias=True and mamba_proj_bias=False (the released layout) "
                                    "are implemented")
        types = _derive_layout(L, self.mb_per_layer, self.sliding_window is not None)
        object.__setattr__(self, "layer_types", types)
        object.__setattr__(self, "head_dim", self.hidden_size // H)
        object.__setattr__(self, "mamba_d_inner", self.mamba_expand * self.hidden_size)
        object.__setattr__(self, "dt_rank", dt_rank)
        object.__setattr__(self, "memory_layer", L // 2)
        object.__setattr__(self, "kv_layer", L // 2 + 1)

    # ------------------------------------------------------------------ layout helpers
    def window_of(self, layer_idx: int) -> int | None:
        """Keys a query of attention layer `layer_idx` sees (None = all previous, i.e. full causal)."""
        return self.sliding_window if self.layer_types[layer_idx] == SLIDING_ATTENTION else None

    @property
    def cross_decoder_start(self) -> int:
        """Index of the first cross-decoder layer (GMU / cross-attention), L/2 + 2."""
        return self.num_hidden_layers // 2 + 2

    def count(self, kind: str) -> int:
        """Number of layers of one kind (see `LAYER_KINDS`)."""
        if kind not in LAYER_KINDS:
            raise ConfigError(f"unknown layer kind {kind!r}; expected one of {LAYER_KINDS}")
        return sum(t == kind for t in self.layer_types)

    @staticmethod
    def lambda_init(layer_idx: int) -> float:
        """Differential-attention lambda_init for the *global* layer index: 0.8 - 0.6 exp(-0.3 i)."""
        return 0.8 - 0.6 * math.exp(-0.3 * layer_idx)

    # ------------------------------------------------------------------ (de)serialisation
    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SambaYConfig:
        """Build from an HF `config.json` dict (`model_type` "phi4flash"); unknown architecture keys are errors.

        `sliding_window` may be an int, None, or the older per-layer list (`[w or None] * L`) whose non-None
        entries must sit exactly at the self-decoder attention layers and agree with each other.
        """
        if not isinstance(d, dict):
            raise ConfigError(f"config must be a dict, got {type(d).__name__}")
        model_type = d.get("model_type", "phi4flash")
        if model_type != "phi4flash":
            raise UnsupportedConfig(f"model_type={model_type!r}: only 'phi4flash' (SambaY) is supported")
        names = {f.name for f in fields(cls) if f.init}
        unknown = sorted(k for k in d if k not in names and k not in _IGNORED_HF_KEYS)
        if unknown:
            raise ConfigError(f"unknown config keys: {unknown}")
        kwargs = {k: v for k, v in d.items() if k in names}
        if "torch_dtype" not in kwargs and "dtype" in d:
            kwargs["torch_dtype"] = d["dtype"]
        if isinstance(kwargs.get("sliding_window"), list):
            kwargs["sliding_window"] = _window_from_list(kwargs["sliding_window"], d)
        try:
            cfg = cls(**kwargs)
        except TypeError as e:  # a wrongly typed value that reached arithmetic
            raise ConfigError(f"bad config value: {e}") from e
        if isinstance(d.get("layer_types"), list):
            _check_hf_layer_types(cfg, d["layer_types"])
        return cfg

    @classmethod
    def from_json(cls, path: str | Path) -> SambaYConfig:
        """Read a `config.json` file (see :meth:`from_dict`)."""
        p = Path(path)
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise ConfigError(f"config file not found: {p}") from e
        except json.JSONDecodeError as e:
            raise ConfigError(f"{p} is not valid JSON: {e}") from e
        return cls.from_dict(d)

    def to_dict(self) -> dict[str, Any]:
        """HF-style `config.json` dict (derived fields left out; `from_dict(to_dict())` round-trips)."""
        d = {k: v for k, v in asdict(self).items() if k in {f.name for f in fields(self) if f.init}}
        return {"model_type": "phi4flash", "architectures": ["Phi4FlashForCausalLM"], **d}


def _require_int(cfg: SambaYConfig, *names: str) -> None:
    for n in names:
        v = getattr(cfg, n)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ConfigError(f"{n}={v!r} must be a positive int")


def _derive_layout(L: int, mb_per_layer: int, windowed: bool) -> tuple[str, ...]:
    """Layer kinds from the HF rules (`SambaYDecoderLayer.__init__`), checked for a usable YOCO split."""
    half = L // 2
    types = []
    for i in range(L):
        is_mamba = i % mb_per_layer == 0
        if i < half:
            types.append(MAMBA if is_mamba else (SLIDING_ATTENTION if windowed else FULL_ATTENTION))
        elif i == half:
            types.append(MEMORY_MAMBA if is_mamba else "attention")
        elif i == half + 1:
            types.append("mamba" if is_mamba else FULL_ATTENTION)
        else:
            types.append(GMU if is_mamba else CROSS_ATTENTION)
    if types[half] != MEMORY_MAMBA or types[half + 1] != FULL_ATTENTION:
        raise UnsupportedConfig(
            f"mb_per_layer={mb_per_layer} puts no Mamba layer at index {half} followed by an attention layer at "
            f"{half + 1}; SambaY needs the GMU memory and the shared K/V produced there")
    return tuple(types)


def _window_from_list(lst: list[Any], d: dict[str, Any]) -> int | None:
    """Collapse the original per-layer `sliding_window` list into one int, checking where it is set."""
    L = d.get("num_hidden_layers", SambaYConfig.num_hidden_layers)
    if len(lst) != L:
        raise ConfigError(f"sliding_window list has {len(lst)} entries for num_hidden_layers={L}")
    values = {w for w in lst if w is not None}
    if not values:
        return None
    if len(values) > 1:
        raise UnsupportedConfig(f"sliding_window list mixes window sizes {sorted(values)}; one size is supported")
    mb = d.get("mb_per_layer", SambaYConfig.mb_per_layer)
    expected = [i for i in range(L) if i < L // 2 and i % mb != 0]
    got = [i for i, w in enumerate(lst) if w is not None]
    if got != expected:
        raise UnsupportedConfig(f"sliding_window list sets windows at layers {got}; expected exactly the "
                                f"self-decoder attention layers {expected}")
    return values.pop()


def _check_hf_layer_types(cfg: SambaYConfig, hf_types: list[Any]) -> None:
    """Newer HF configs carry `layer_types`; its "sliding_attention" entries must match our derived layout."""
    if len(hf_types) != cfg.num_hidden_layers:
        raise ConfigError(f"layer_types has {len(hf_types)} entries for num_hidden_layers={cfg.num_hidden_layers}")
    theirs = [i for i, t in enumerate(hf_types) if t == "sliding_attention"]
    ours = [i for i, t in enumerate(cfg.layer_types) if t == SLIDING_ATTENTION]
    if theirs and theirs != ours:
        raise UnsupportedConfig(f"layer_types marks layers {theirs} as sliding_attention; the SambaY layout "
                                f"derived from this config has them at {ours}")
