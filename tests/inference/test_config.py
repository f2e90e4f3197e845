"""SambaYConfig: the released layout as data, HF config.json compatibility, validation errors."""

from __future__ import annotations

import json

import pytest
import torch

from inference import ConfigError, SambaYConfig, SambaYForCausalLM, UnsupportedConfig

# The architecture fields of microsoft/Phi-4-mini-flash-reasoning's config.json (sambay-spec.md §1.1).
RELEASED = {
    "model_type": "phi4flash", "architectures": ["Phi4FlashForCausalLM"], "vocab_size": 200064,
    "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 32, "num_attention_heads": 40,
    "num_key_value_heads": 20, "max_position_embeddings": 262144, "sliding_window": 512, "hidden_act": "silu",
    "layer_norm_eps": 1e-05, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "pad_token_id": 0,
    "bos_token_id": 1, "eos_token_id": 2, "auto_map": {"AutoConfig": "configuration_phi4flash.Phi4FlashConfig"},
    "attention_dropout": 0.0, "embd_pdrop": 0.0, "resid_pdrop": 0.0, "initializer_range": 0.02,
    "rope_theta": 10000.0, "use_cache": True, "transformers_version": "4.46.1",
}


def test_released_layout_counts_and_positions():
    c = SambaYConfig.from_dict(RELEASED)
    assert len(c.layer_types) == 32
    assert c.layer_types[:16] == ("mamba", "sliding_attention") * 8
    assert c.layer_types[16:18] == ("memory_mamba", "full_attention")
    assert c.layer_types[18:] == ("gmu", "cross_attention") * 7
    mamba = c.count("mamba") + c.count("memory_mamba")
    assert (mamba, c.count("sliding_attention"), c.count("full_attention"), c.count("gmu"),
            c.count("cross_attention")) == (9, 8, 1, 7, 7)
    assert (c.head_dim, c.mamba_d_inner, c.dt_rank, c.memory_layer, c.kv_layer) == (64, 5120, 160, 16, 17)
    assert c.window_of(1) == 512 and c.window_of(17) is None and c.window_of(19) is None


def test_released_parameter_count_on_meta_device():
    with torch.device("meta"):
        model = SambaYForCausalLM(SambaYConfig.from_dict(RELEASED))
    assert sum(p.numel() for p in model.parameters()) == 3_852_562_944
    sd = model.state_dict()
    assert sd["model.layers.17.attn.Wqkv.weight"].shape == (5120, 2560)
    assert sd["model.layers.19.attn.Wqkv.weight"].shape == (2560, 2560)
    assert sd["model.layers.18.attn.in_proj.weight"].shape == (5120, 2560)
    assert sd["model.layers.16.attn.x_proj.weight"].shape == (192, 5120)
    assert sd["model.layers.31.attn.inner_cross_attn.subln.weight"].shape == (128,)
    assert sd["model.final_layernorm.bias"].shape == (2560,)
    assert model.lm_head.weight is model.model.embed_tokens.weight


def test_lambda_init_uses_the_global_layer_index():
    assert SambaYConfig.lambda_init(1) == pytest.approx(0.355509, abs=1e-6)
    assert SambaYConfig.lambda_init(17) == pytest.approx(0.796342, abs=1e-6)
    with torch.device("meta"):
        model = SambaYForCausalLM(SambaYConfig())
    assert model.model.layers[31].attn.inner_cross_attn.lambda_init == pytest.approx(0.799945, abs=1e-6)


def test_absent_mamba_fields_take_hf_class_defaults():
    c = SambaYConfig.from_dict(RELEASED)
    assert (c.mb_per_layer, c.mamba_d_state, c.mamba_d_conv, c.mamba_expand, c.mamba_dt_rank) == (2, 16, 4, 2,
                                                                                                  "auto")


def test_per_layer_sliding_window_list_is_accepted_and_checked():
    lst = [512 if (i < 16 and i % 2 == 1) else None for i in range(32)]
    assert SambaYConfig.from_dict({**RELEASED, "sliding_window": lst}).sliding_window == 512
    wrong_place = list(lst)
    wrong_place[17] = 512
    with pytest.raises(UnsupportedConfig, match="expected exactly"):
        SambaYConfig.from_dict({**RELEASED, "sliding_window": wrong_place})
    mixed = list(lst)
    mixed[1] = 256
    with pytest.raises(UnsupportedConfig, match="mixes window sizes"):
        SambaYConfig.from_dict({**RELEASED, "sliding_window": mixed})
    with pytest.raises(ConfigError, match="entries"):
        SambaYConfig.from_dict({**RELEASED, "sliding_window": lst[:5]})


def test_hf_layer_types_must_agree_with_the_derived_layout():
    good = ["sliding_attention" if (i < 16 and i % 2) else "full_attention" for i in range(32)]
    SambaYConfig.from_dict({**RELEASED, "layer_types": good})
    bad = list(good)
    bad[19] = "sliding_attention"
    with pytest.raises(UnsupportedConfig, match="sliding_attention"):
        SambaYConfig.from_dict({**RELEASED, "layer_types": bad})


@pytest.mark.parametrize("change,error,match", [
    ({"model_type": "llama"}, UnsupportedConfig, "phi4flash"),
    ({"num_hidden_layers": 30}, UnsupportedConfig, "divisible by 4"),
    ({"num_attention_heads": 41}, ConfigError, "not divisible"),
    ({"num_key_value_heads": 15}, ConfigError, "even"),
    ({"num_key_value_heads": 12}, ConfigError, "not a multiple"),
    ({"hidden_size": 0}, ConfigError, "positive int"),
    ({"hidden_act": "gelu"}, UnsupportedConfig, "silu"),
    ({"sliding_window": 0}, ConfigError, "sliding_window"),
    ({"mb_per_layer": 3}, UnsupportedConfig, "no Mamba layer"),
    ({"mamba_dt_rank": "big"}, ConfigError, "mamba_dt_rank"),
    ({"pad_token_id": 300000}, ConfigError, "outside the vocabulary"),
    ({"unknown_knob": 1}, ConfigError, "unknown config keys"),
    ({"mamba_proj_bias": True}, UnsupportedConfig, "mamba_proj_bias"),
])
def test_bad_configs_raise_clear_errors(change, error, match):
    with pytest.raises(error, match=match):
        SambaYConfig.from_dict({**RELEASED, **change})


def test_from_json_round_trip_and_file_errors(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(RELEASED))
    c = SambaYConfig.from_json(p)
    assert SambaYConfig.from_dict(c.to_dict()) == c
    assert SambaYConfig.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    with pytest.raises(ConfigError, match="not found"):
        SambaYConfig.from_json(tmp_path / "missing.json")
    p.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        SambaYConfig.from_json(p)
    with pytest.raises(ConfigError, match="must be a dict"):
        SambaYConfig.from_dict([1, 2])  # type: ignore[arg-type]


def test_no_window_makes_self_decoder_attention_full():
    c = SambaYConfig.from_dict({**RELEASED, "sliding_window": None})
    assert c.count("sliding_attention") == 0 and c.count("full_attention") == 9
    assert c.kv_layer == 17
