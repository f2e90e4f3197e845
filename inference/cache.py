"""`SambaYCache`: all recurrent and attention state of a SambaY model for one batch of equal-length sequences.

One slot per layer (``cache.slots[layer_idx]``), by layer kind (B batch, Di `mamba_d_inner`, K `mamba_d_conv`,
N `mamba_d_state`, Hkv `num_key_value_heads`, D `head_dim`, W `sliding_window`):

=====================  ==============================  ==================================================
layer kind             slot                            tensors
=====================  ==============================  ==================================================
mamba, memory_mamba    :class:`MambaState`             ``conv`` [B, Di, K] last K raw (pre-conv) inputs,
                                                       newest last, model dtype; ``ssm`` [B, Di, N] fp32
                                                       (fp64 for fp64 models)
sliding_attention      :class:`WindowKV`               ``k``, ``v`` [B, W, Hkv, D] ring buffer: token at
                                                       absolute position p lives in row p % W
full_attention         :class:`FullKV`                 ``k``, ``v`` [B, capacity, Hkv, D], rows [0, length)
                                                       valid; grows (doubling) past its capacity. The
                                                       layer L/2+1 slot is the shared "YOCO" K/V that every
                                                       cross-attention layer reads.
gmu, cross_attention   ``None``                        stateless across steps
=====================  ==============================  ==================================================

The GMU memory (the ungated scan output of layer L/2, [B, T, Di]) is transient: it is produced and consumed
within one forward pass and kept in :attr:`SambaYCache.memory` only for inspection.

Because the model has no positional encoding, attention over the ring buffer needs no re-ordering: softmax over a
set of keys does not depend on their order. `length` counts the tokens already processed (all sequences equal).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import FULL_ATTENTION, MAMBA_KINDS, SLIDING_ATTENTION, SambaYConfig
from .errors import GenerationError
from .kernels import compute_dtype


@dataclass
class MambaState:
    """conv [B, Di, K] (model dtype), ssm [B, Di, N] (fp32/fp64)."""

    conv: torch.Tensor
    ssm: torch.Tensor


@dataclass
class WindowKV:
    """Ring buffer of the last `window` keys/values: k, v [B, W, Hkv, D]."""

    k: torch.Tensor
    v: torch.Tensor

    def write(self, k: torch.Tensor, v: torch.Tensor, start: int) -> None:
        """Store k, v [B, T, Hkv, D] for absolute positions start..start+T-1 (only the last W are kept)."""
        W, T = self.k.shape[1], k.shape[1]
        first = max(0, T - W)
        rows = torch.arange(start + first, start + T, device=self.k.device) % W
        self.k[:, rows] = k[:, first:].to(self.k.dtype)
        self.v[:, rows] = v[:, first:].to(self.v.dtype)

    def view(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Valid keys/values after `length` tokens: [B, min(length, W), Hkv, D] (ring order)."""
        n = min(length, self.k.shape[1])
        return self.k[:, :n], self.v[:, :n]


@dataclass
class FullKV:
    """Every key/value so far: k, v [B, capacity, Hkv, D]; rows [0, length) valid."""

    k: torch.Tensor
    v: torch.Tensor

    def write(self, k: torch.Tensor, v: torch.Tensor, start: int) -> None:
        """Store k, v [B, T, Hkv, D] at rows start..start+T-1, growing the buffers if needed."""
        end = start + k.shape[1]
        cap = self.k.shape[1]
        if end > cap:
            new_cap = max(end, 2 * cap)
            grow = (self.k.shape[0], new_cap - cap, *self.k.shape[2:])
            self.k = torch.cat([self.k, self.k.new_zeros(grow)], dim=1)
            self.v = torch.cat([self.v, self.v.new_zeros(grow)], dim=1)
        self.k[:, start:end] = k.to(self.k.dtype)
        self.v[:, start:end] = v.to(self.v.dtype)

    def view(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, length, Hkv, D] keys and values."""
        return self.k[:, :length], self.v[:, :length]


Slot = MambaState | WindowKV | FullKV | None


class SambaYCache:
    """Per-layer state for `batch_size` sequences of equal length (see the module docstring for shapes).

    `capacity` is the initial size of the full-attention K/V buffers in tokens (prompt + new tokens is a good
    value; they grow if exceeded). Allocate with :meth:`SambaYCache.allocate` or `model.allocate_cache`.
    """

    def __init__(self, config: SambaYConfig, slots: list[Slot], batch_size: int) -> None:
        self.config = config
        self.slots = slots
        self.batch_size = batch_size
        self.length = 0
        self.memory: torch.Tensor | None = None

    @classmethod
    def allocate(cls, config: SambaYConfig, batch_size: int, capacity: int, *, device: torch.device | str,
                 dtype: torch.dtype) -> SambaYCache:
        """Zero state for `batch_size` sequences; dtype is the model (activation) dtype."""
        if batch_size < 1 or capacity < 1:
            raise GenerationError(f"cache needs batch_size >= 1 and capacity >= 1, got {batch_size}, {capacity}")
        c = config
        slots: list[Slot] = []
        kv_shape = (c.num_key_value_heads, c.head_dim)
        for i, kind in enumerate(c.layer_types):
            if kind in MAMBA_KINDS:
                slots.append(MambaState(
                    conv=torch.zeros(batch_size, c.mamba_d_inner, c.mamba_d_conv, device=device, dtype=dtype),
                    ssm=torch.zeros(batch_size, c.mamba_d_inner, c.mamba_d_state, device=device,
                                    dtype=compute_dtype(dtype))))
            elif kind == SLIDING_ATTENTION:
                assert c.sliding_window is not None
                shape = (batch_size, c.sliding_window, *kv_shape)
                slots.append(WindowKV(torch.zeros(shape, device=device, dtype=dtype),
                                      torch.zeros(shape, device=device, dtype=dtype)))
            elif kind == FULL_ATTENTION:
                shape = (batch_size, capacity, *kv_shape)
                slots.append(FullKV(torch.zeros(shape, device=device, dtype=dtype),
                                    torch.zeros(shape, device=device, dtype=dtype)))
            else:
                slots.append(None)
        return cls(config, slots, batch_size)

    def mamba(self, layer_idx: int) -> MambaState:
        s = self.slots[layer_idx]
        assert isinstance(s, MambaState), f"layer {layer_idx} has no Mamba state"
        return s

    def kv(self, layer_idx: int) -> WindowKV | FullKV:
        s = self.slots[layer_idx]
        assert isinstance(s, WindowKV | FullKV), f"layer {layer_idx} has no K/V cache"
        return s

    def nbytes(self) -> int:
        """Bytes held by all slots (for memory reports)."""
        total = 0
        for s in self.slots:
            if isinstance(s, MambaState):
                total += s.conv.nbytes + s.ssm.nbytes
            elif isinstance(s, WindowKV | FullKV):
                total += s.k.nbytes + s.v.nbytes
        return total
