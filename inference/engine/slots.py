"""`SlotCache`: static per-slot decode state of a SambaY model, for continuous batching.

Every request being decoded owns one *slot* (an index in ``[0, max_batch)``); the engine keeps the active requests
packed in slots ``0 .. n-1`` so a decode step works on the leading ``b`` slots only. All buffers are allocated once
(their addresses never change, which is what CUDA-graph replay needs). Shapes (S slots, Di `mamba_d_inner`,
K `mamba_d_conv`, N `mamba_d_state`, Hkv `num_key_value_heads`, D `head_dim`, W `sliding_window`,
L `max_seq_len`):

=====================  ==========================================================================================
layer kind             buffers in ``slots.layers[layer_idx]``
=====================  ==========================================================================================
mamba, memory_mamba    :class:`~inference.cache.MambaState`: ``conv`` [S, Di, K] (model dtype), ``ssm`` [S, Di, N]
                       (fp32; fp64 for fp64 models)
sliding_attention      :class:`SlotKV` with ``k`` [S, Hkv, W, D] and ``v`` [S, Hkv/2, W, 2D]: a ring buffer, the
                       token at absolute position p in row p % W
full_attention         :class:`SlotKV` with ``k`` [S, Hkv, L+1, D] and ``v`` [S, Hkv/2, L+1, 2D]: row p = position p
                       (one spare row, see `SPARE_ROWS`).
                       This is the shared "YOCO" K/V that every cross-attention layer reads (about 5 KB a token
                       for the released model in bf16)
gmu, cross_attention   ``None``
=====================  ==========================================================================================

Head-major K (``[slot, head, row, D]``) lets one batched matmul read each key once; V is stored with the two heads
of a differential-attention pair side by side (``v[:, j]`` = ``[v_head(2j) | v_head(2j+1)]``, width 2D), which is
exactly the 2D-wide value each differential branch attends with, so no copy is made per step.

Per-slot positions are not stored here: the engine passes them to every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..cache import FullKV, MambaState, SambaYCache, WindowKV
from ..config import FULL_ATTENTION, MAMBA_KINDS, SLIDING_ATTENTION, SambaYConfig
from ..errors import GenerationError
from ..kernels import compute_dtype


@dataclass
class SlotKV:
    """k [S, Hkv, R, D]; v [S, Hkv/2, R, 2D] (R = window for ring buffers, max_seq_len + 1 for the shared K/V)."""

    k: torch.Tensor
    v: torch.Tensor
    ring: bool

    @property
    def rows(self) -> int:
        return self.k.shape[2]


Layer = MambaState | SlotKV | None

# The shared K/V holds one row more than any sequence uses, so the key rows a decode step reads (at most
# max_seq_len) never span the whole buffer: for the compiled step, slicing a dynamic row count to exactly the
# buffer's length is another shape case (a guard failure, so a recompilation at the last bucket).
SPARE_ROWS = 1


class SlotCache:
    """Decode state for `max_batch` slots of up to `max_seq_len` tokens each (see the module docstring)."""

    def __init__(self, config: SambaYConfig, max_batch: int, max_seq_len: int, *, device: torch.device | str,
                 dtype: torch.dtype) -> None:
        if max_batch < 1 or max_seq_len < 2:
            raise GenerationError(f"SlotCache needs max_batch >= 1 and max_seq_len >= 2, got {max_batch}, "
                                  f"{max_seq_len}")
        c = config
        self.config, self.max_batch, self.max_seq_len = c, max_batch, max_seq_len
        self.device, self.dtype = torch.device(device), dtype
        Hkv, D = c.num_key_value_heads, c.head_dim
        self.layers: list[Layer] = []
        for kind in c.layer_types:
            if kind in MAMBA_KINDS:
                self.layers.append(MambaState(
                    conv=torch.zeros(max_batch, c.mamba_d_inner, c.mamba_d_conv, device=device, dtype=dtype),
                    ssm=torch.zeros(max_batch, c.mamba_d_inner, c.mamba_d_state, device=device,
                                    dtype=compute_dtype(dtype))))
            elif kind in (SLIDING_ATTENTION, FULL_ATTENTION):
                ring = kind == SLIDING_ATTENTION
                assert not ring or c.sliding_window is not None
                R = c.sliding_window if ring else max_seq_len + SPARE_ROWS
                self.layers.append(SlotKV(
                    k=torch.zeros(max_batch, Hkv, R, D, device=device, dtype=dtype),
                    v=torch.zeros(max_batch, Hkv // 2, R, 2 * D, device=device, dtype=dtype), ring=ring))
            else:
                self.layers.append(None)

    # ------------------------------------------------------------------ filling and moving
    def load_prefill(self, slots: list[int], cache: SambaYCache, length: int) -> None:
        """Copy a prefilled `SambaYCache` (batch g = len(slots), `length` tokens each) into `slots`."""
        if cache.batch_size != len(slots):
            raise GenerationError(f"prefill cache holds {cache.batch_size} sequences for {len(slots)} slots")
        if length > self.max_seq_len:
            raise GenerationError(f"prompt of {length} tokens exceeds max_seq_len={self.max_seq_len}")
        idx = torch.tensor(slots, device=self.device, dtype=torch.long)
        for mine, theirs in zip(self.layers, cache.slots, strict=True):
            if isinstance(mine, MambaState):
                assert isinstance(theirs, MambaState)
                mine.conv[idx] = theirs.conv.to(mine.conv.dtype)
                mine.ssm[idx] = theirs.ssm.to(mine.ssm.dtype)
            elif isinstance(mine, SlotKV):
                assert isinstance(theirs, WindowKV | FullKV)
                n = mine.rows if mine.ring else length
                k, v = theirs.k[:, :n], theirs.v[:, :n]  # [g, n, Hkv, D]
                g, _, Hkv, D = k.shape
                mine.k[idx, :, :n] = k.transpose(1, 2).to(mine.k.dtype)
                mine.v[idx, :, :n] = v.reshape(g, n, Hkv // 2, 2 * D).transpose(1, 2).to(mine.v.dtype)

    def move(self, src: int, dst: int, length: int) -> None:
        """Copy slot `src` (holding `length` tokens) into slot `dst` (compaction when a request leaves)."""
        if src == dst:
            return
        for layer in self.layers:
            if isinstance(layer, MambaState):
                layer.conv[dst].copy_(layer.conv[src])
                layer.ssm[dst].copy_(layer.ssm[src])
            elif isinstance(layer, SlotKV):
                n = layer.rows if layer.ring else min(length, layer.rows)
                layer.k[dst, :, :n].copy_(layer.k[src, :, :n])
                layer.v[dst, :, :n].copy_(layer.v[src, :, :n])

    def mamba_snapshot(self, b: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Copies of the Mamba states of slots [0, b) (a warm-up run before graph capture must not change them)."""
        return [(s.conv[:b].clone(), s.ssm[:b].clone()) for s in self.layers if isinstance(s, MambaState)]

    def mamba_restore(self, snapshot: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        states = [s for s in self.layers if isinstance(s, MambaState)]
        for s, (conv, ssm) in zip(states, snapshot, strict=True):
            b = conv.shape[0]
            s.conv[:b].copy_(conv)
            s.ssm[:b].copy_(ssm)

    # ------------------------------------------------------------------ sizes
    def nbytes(self) -> int:
        """Bytes held by all buffers."""
        total = 0
        for s in self.layers:
            if isinstance(s, MambaState):
                total += s.conv.nbytes + s.ssm.nbytes
            elif isinstance(s, SlotKV):
                total += s.k.nbytes + s.v.nbytes
        return total

    @staticmethod
    def bytes_per_slot(config: SambaYConfig, max_seq_len: int, dtype: torch.dtype) -> int:
        """Bytes one slot needs (Mamba states + ring buffers + shared K/V of `max_seq_len` + 1 rows)."""
        c = config
        e = torch.empty((), dtype=dtype).element_size()
        ec = torch.empty((), dtype=compute_dtype(dtype)).element_size()
        kv_row = 2 * c.num_key_value_heads * c.head_dim * e
        total = 0
        for kind in c.layer_types:
            if kind in MAMBA_KINDS:
                total += c.mamba_d_inner * (c.mamba_d_conv * e + c.mamba_d_state * ec)
            elif kind == SLIDING_ATTENTION:
                total += (c.sliding_window or 0) * kv_row
            elif kind == FULL_ATTENTION:
                total += (max_seq_len + SPARE_ROWS) * kv_row
        return total
