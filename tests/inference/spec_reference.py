"""An independent, deliberately naive SambaY forward written from the spec (sambay-spec.md, Appendix A and §3).

Reads parameters by their HF names from a state dict, loops over heads and time steps, no cache, float64.
It shares no code with `inference/` so that a mistake there (head striping, GQA mapping, lambda, window,
memory routing) shows up as a mismatch.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _ln(x, sd, name, eps):
    return F.layer_norm(x, (x.shape[-1],), sd[name + ".weight"], sd[name + ".bias"], eps)


def _attn_head(q, k, v, window):
    """q [T, D], k [S, D], v [S, Dv]; bottom-right causal with optional window."""
    T, S = q.shape[0], k.shape[0]
    out = torch.empty(T, v.shape[1], dtype=q.dtype)
    for t in range(T):
        p = S - T + t
        lo = 0 if window is None else max(0, p - window + 1)
        s = (k[lo:p + 1] @ q[t]) / math.sqrt(q.shape[1])
        out[t] = torch.softmax(s, 0) @ v[lo:p + 1]
    return out


def _diff_attn(h, sd, pre, layer_idx, cfg, kv=None, window=None):
    """h [T, d] one sequence. Returns (out [T, d], (K [S, Hkv, D], V))."""
    H, Hkv, D = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    qkv = h @ sd[pre + "Wqkv.weight"].T + sd[pre + "Wqkv.bias"]
    T = h.shape[0]
    q = qkv[:, : H * D].reshape(T, H, D)
    if kv is None:
        k = qkv[:, H * D: H * D + Hkv * D].reshape(T, Hkv, D)
        v = qkv[:, H * D + Hkv * D:].reshape(T, Hkv, D)
    else:
        k, v = kv
    lam_init = 0.8 - 0.6 * math.exp(-0.3 * layer_idx)
    lq1, lk1 = sd[pre + "inner_cross_attn.lambda_q1"], sd[pre + "inner_cross_attn.lambda_k1"]
    lq2, lk2 = sd[pre + "inner_cross_attn.lambda_q2"], sd[pre + "inner_cross_attn.lambda_k2"]
    lam = math.exp(float((lq1 * lk1).sum())) - math.exp(float((lq2 * lk2).sum())) + lam_init
    w = sd[pre + "inner_cross_attn.subln.weight"]
    group = (H // 2) // (Hkv // 2)
    heads = []
    for j in range(H // 2):  # branch-1 query head j = global head 2j, branch-2 = 2j+1
        kvh = j // group  # kv head within a branch -> global kv heads 2*kvh (branch 1), 2*kvh+1 (branch 2)
        v12 = torch.cat([v[:, 2 * kvh], v[:, 2 * kvh + 1]], dim=-1)
        a1 = _attn_head(q[:, 2 * j], k[:, 2 * kvh], v12, window)
        a2 = _attn_head(q[:, 2 * j + 1], k[:, 2 * kvh + 1], v12, window)
        o = a1 - lam * a2
        o = o / torch.sqrt((o * o).mean(-1, keepdim=True) + 1e-5) * w
        heads.append(o * (1 - lam_init))  # [T, 2D] = heads 2j and 2j+1
    o = torch.cat(heads, dim=-1)
    return o @ sd[pre + "out_proj.weight"].T + sd[pre + "out_proj.bias"], (k, v)


def _mamba(h, sd, pre, cfg, memory_layer):
    Di, N, R = cfg.mamba_d_inner, cfg.mamba_d_state, cfg.dt_rank
    T = h.shape[0]
    xz = h @ sd[pre + "in_proj.weight"].T
    x, z = xz[:, :Di], xz[:, Di:]
    w, b = sd[pre + "conv1d.weight"][:, 0, :], sd[pre + "conv1d.bias"]
    K = w.shape[1]
    xp = torch.cat([torch.zeros(K - 1, Di, dtype=h.dtype), x])
    xc = torch.stack([(xp[t:t + K].T * w).sum(-1) + b for t in range(T)])
    xc = F.silu(xc)
    proj = xc @ sd[pre + "x_proj.weight"].T
    dt, Bm, Cm = proj[:, :R], proj[:, R:R + N], proj[:, R + N:]
    delta = F.softplus(dt @ sd[pre + "dt_proj.weight"].T + sd[pre + "dt_proj.bias"])
    A = -torch.exp(sd[pre + "A_log"])
    s = torch.zeros(Di, N, dtype=h.dtype)
    ys = []
    for t in range(T):
        s = torch.exp(delta[t, :, None] * A) * s + (delta[t] * xc[t])[:, None] * Bm[t][None, :]
        ys.append(s @ Cm[t] + sd[pre + "D"] * xc[t])
    y = torch.stack(ys)
    out = (y * F.silu(z)) @ sd[pre + "out_proj.weight"].T
    return out, (y if memory_layer else None)


def spec_forward(sd: dict, cfg, ids: torch.Tensor) -> torch.Tensor:
    """ids [B, T] -> logits [B, T, V] (float64), one sequence at a time."""
    sd = {k: v.double() for k, v in sd.items()}
    L, eps = cfg.num_hidden_layers, cfg.layer_norm_eps
    outs = []
    for seq in ids:
        x = sd["model.embed_tokens.weight"][seq]
        memory, shared = None, None
        for i in range(L):
            pre = f"model.layers.{i}.attn."
            h = _ln(x, sd, f"model.layers.{i}.input_layernorm", eps)
            if i % cfg.mb_per_layer == 0 and i <= L // 2:
                a, mem = _mamba(h, sd, pre, cfg, memory_layer=i == L // 2)
                if mem is not None:
                    memory = mem
            elif i % cfg.mb_per_layer == 0:
                a = (F.silu(h @ sd[pre + "in_proj.weight"].T) * memory) @ sd[pre + "out_proj.weight"].T
            elif i <= L // 2 + 1:
                window = cfg.sliding_window if i < L // 2 else None
                a, kv = _diff_attn(h, sd, pre, i, cfg, window=window)
                if i == L // 2 + 1:
                    shared = kv
            else:
                a, _ = _diff_attn(h, sd, pre, i, cfg, kv=shared)
            x = x + a
            h = _ln(x, sd, f"model.layers.{i}.post_attention_layernorm", eps)
            g, u = (h @ sd[f"model.layers.{i}.mlp.fc1.weight"].T).chunk(2, dim=-1)
            x = x + (F.silu(g) * u) @ sd[f"model.layers.{i}.mlp.fc2.weight"].T
        x = _ln(x, sd, "model.final_layernorm", eps)
        outs.append(x @ sd["model.embed_tokens.weight"].T)
    return torch.stack(outs)
