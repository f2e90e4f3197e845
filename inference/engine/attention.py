"""Differential attention for one decode token per slot, over per-slot valid key rows (no copies of K/V).

Notation: b slots, H query heads, Hkv key/value heads, rep = H / Hkv, D head dim, R key rows (a bucket of the
shared K/V, or the W-row ring buffer). Inputs:

* q [b, H, D] (this token's queries, HF head order);
* k [b, Hkv, R, D] and v [b, Hkv/2, R, 2D] (the :class:`~inference.engine.slots.SlotKV` layout);
* valid [b, R] bool: which rows each slot's query may see.

Differential attention (see :mod:`inference.layers.attention`) gives query head h the branch br = h % 2 and the
branch-local head i = h // 2, which reads key head 2 (i // rep) + br and the 2D-wide value pair i // rep. Writing
h = 2 (m rep + a) + br, the queries viewed as [b, Hkv/2, rep, 2, D] and swapped to [b, Hkv/2, 2, rep, D] line up
with the key heads 2m + br: one batched matmul [b*Hkv, rep, D] x [b*Hkv, D, R] gives every score, and one more
[b*Hkv/2, 2 rep, R] x [b*Hkv/2, R, 2D] gives both branches' outputs. Softmax is in fp32 (fp64 for fp64 models).
"""

from __future__ import annotations

import torch

from ..kernels import attention_reference, compute_dtype


def diff_decode_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, valid: torch.Tensor
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    """(a1, a2), each [b, H/2, 2D] in q.dtype: branch-1 and branch-2 attention outputs (see the module doc)."""
    b, H, D = q.shape
    Hkv = k.shape[1]
    rep = H // Hkv
    R = k.shape[2]
    qg = q.view(b, Hkv // 2, rep, 2, D).transpose(2, 3).reshape(b, Hkv, rep, D)
    scores = torch.matmul(qg, k.transpose(-1, -2))  # [b, Hkv, rep, R]
    c = compute_dtype(q.dtype)
    scores = scores.to(c).mul_(D ** -0.5).masked_fill_(~valid[:, None, None, :], float("-inf"))
    probs = torch.softmax(scores, dim=-1).to(v.dtype).view(b, Hkv // 2, 2 * rep, R)
    out = torch.matmul(probs, v)  # [b, Hkv/2, 2 rep, 2D], rows (br, a)
    out = out.view(b, Hkv // 2, 2, rep, 2 * D)
    return out[:, :, 0].reshape(b, H // 2, 2 * D), out[:, :, 1].reshape(b, H // 2, 2 * D)


def diff_decode_attention_reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, valid: torch.Tensor
                                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference twin of :func:`diff_decode_attention`: per slot, undo the layout and call the model's reference
    attention (the same split as `DiffCore`: even heads branch 1, odd heads branch 2, values [v_even | v_odd])."""
    b = q.shape[0]
    a1s, a2s = [], []
    for i in range(b):
        rows = valid[i].nonzero()[:, 0]
        ki = k[i][:, rows].transpose(0, 1)  # [n, Hkv, D]
        vp = v[i][:, rows].transpose(0, 1)  # [n, Hkv/2, 2D] = [v_2j | v_2j+1]
        qi = q[i][None, None]  # [1, 1, H, D]
        a1 = attention_reference(qi[:, :, 0::2], ki[None, :, 0::2], vp[None], None)
        a2 = attention_reference(qi[:, :, 1::2], ki[None, :, 1::2], vp[None], None)
        a1s.append(a1[0, 0])
        a2s.append(a2[0, 0])
    return torch.stack(a1s), torch.stack(a2s)
