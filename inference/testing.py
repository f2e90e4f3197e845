"""Tiny random SambaY models and a byte-level tokenizer built in code (no downloads), for tests project-wide.

    from inference.testing import tiny_random_model
    model, tokenizer = tiny_random_model(seed=0)          # fp32, CPU, ~0.3M parameters
"""

from __future__ import annotations

from typing import Any

import torch
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers

from .config import SambaYConfig
from .model import SambaYForCausalLM
from .tokenizer import CHAT_TOKENS, Tokenizer


def byte_tokenizer() -> Tokenizer:
    """Byte-level BPE with no merges: 256 byte tokens (ids 0..255) + the chat tokens (ids 256..260).

    Every UTF-8 character of 2-4 bytes spans 2-4 tokens, which exercises the incremental detokenizer.
    """
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    hf = HFTokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens(list(CHAT_TOKENS))
    return Tokenizer(hf)


def tiny_config(**overrides: Any) -> SambaYConfig:
    """8 layers (2 Mamba, 2 SWA, memory Mamba, full attention, GMU, cross), 8 query / 4 KV heads, window 6."""
    base: dict[str, Any] = {
        "vocab_size": 272, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 8,
        "num_attention_heads": 8, "num_key_value_heads": 4, "sliding_window": 6, "mamba_d_state": 4,
        "mamba_d_conv": 4, "mamba_expand": 2, "mamba_dt_rank": 8, "pad_token_id": 0, "bos_token_id": None,
        "eos_token_id": None, "torch_dtype": "float32"}
    base.update(overrides)
    return SambaYConfig(**base)


def tiny_random_model(seed: int = 0, *, dtype: torch.dtype = torch.float32, std: float = 0.2,
                      **config_overrides: Any) -> tuple[SambaYForCausalLM, Tokenizer]:
    """(model in eval mode on CPU with random weights from `seed`, byte tokenizer)."""
    tokenizer = byte_tokenizer()
    config = tiny_config(**config_overrides)
    if config.vocab_size < tokenizer.vocab_size:
        raise ValueError(f"vocab_size {config.vocab_size} < tokenizer size {tokenizer.vocab_size}")
    model = SambaYForCausalLM(config).init_random(seed, std=std).to(dtype).eval().requires_grad_(False)
    return model, tokenizer
