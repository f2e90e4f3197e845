"""save_pretrained / load_pretrained: HF layout round trip, sharding, strict names and shapes, tied head."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from inference import CheckpointError, ConfigError, SambaYForCausalLM, load_pretrained, save_pretrained
from inference.testing import tiny_random_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model, tok = tiny_random_model(seed=3)
    path = save_pretrained(model, tok, tmp_path_factory.mktemp("ckpt"))
    return model, tok, path


def _ids():
    return torch.randint(0, 261, (2, 9), generator=torch.Generator().manual_seed(0))


def _copy(src, dst, names=("config.json", "tokenizer.json")):
    for name in names:
        (dst / name).write_bytes((src / name).read_bytes())


def test_round_trip_layout_and_logits(saved):
    model, tok, path = saved
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "generation_config.json",
                                                      "model.safetensors", "tokenizer.json"]
    stored = load_file(path / "model.safetensors")
    assert "lm_head.weight" not in stored  # tied: written once
    assert json.loads((path / "config.json").read_text())["model_type"] == "phi4flash"
    loaded, tok2 = load_pretrained(path, device="cpu", dtype=torch.float32)
    assert loaded.lm_head.weight is loaded.model.embed_tokens.weight
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    torch.testing.assert_close(loaded(_ids()), model(_ids()), rtol=0, atol=0)
    assert tok2.stop_ids == tok.stop_ids and tok2.encode("héllo") == tok.encode("héllo")


def test_default_device_and_dtype_on_this_machine(saved):
    _, _, path = saved
    loaded, _ = load_pretrained(path)
    want = (torch.device("cuda"), torch.bfloat16) if torch.cuda.is_available() else (torch.device("cpu"),
                                                                                     torch.float32)
    assert (loaded.device.type, loaded.dtype) == (want[0].type, want[1])


def test_hf_state_dict_loads_strictly_with_no_renaming(saved):
    model, _, path = saved
    fresh = SambaYForCausalLM(model.config)
    fresh.load_state_dict(load_file(path / "model.safetensors"), strict=True)  # no lm_head.weight stored
    torch.testing.assert_close(fresh(_ids()), model(_ids()), rtol=0, atol=0)
    assert fresh.lm_head.weight is fresh.model.embed_tokens.weight


def test_stored_lm_head_is_accepted_and_must_equal_embedding(saved, tmp_path):
    model, _, path = saved
    sd = load_file(path / "model.safetensors")
    _copy(path, tmp_path)
    save_file({**sd, "lm_head.weight": sd["model.embed_tokens.weight"].clone()}, tmp_path / "model.safetensors")
    loaded, _ = load_pretrained(tmp_path, device="cpu", dtype=torch.float32)
    torch.testing.assert_close(loaded(_ids()), model(_ids()), rtol=0, atol=0)
    save_file({**sd, "lm_head.weight": torch.zeros_like(sd["model.embed_tokens.weight"])},
              tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match="lm_head.weight differs"):
        load_pretrained(tmp_path, device="cpu", dtype=torch.float32)


def test_sharded_checkpoint_with_index(saved, tmp_path):
    model, _, path = saved
    sd = load_file(path / "model.safetensors")
    names = sorted(sd)
    half = len(names) // 2
    shards = {"model-00001-of-00002.safetensors": names[:half], "model-00002-of-00002.safetensors": names[half:]}
    for fname, keys in shards.items():
        save_file({k: sd[k] for k in keys}, tmp_path / fname)
    index = {"metadata": {}, "weight_map": {k: f for f, keys in shards.items() for k in keys}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    _copy(path, tmp_path)
    loaded, _ = load_pretrained(tmp_path, device="cpu", dtype=torch.float64)
    assert loaded.dtype == torch.float64
    torch.testing.assert_close(loaded(_ids()), copy.deepcopy(model).double()(_ids()), rtol=1e-12, atol=1e-12)
    index["weight_map"][names[0]] = "../elsewhere.safetensors"
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="missing or invalid file"):
        load_pretrained(tmp_path, device="cpu")


def test_missing_unexpected_and_misshaped_tensors_are_listed(saved, tmp_path):
    _, _, path = saved
    sd = load_file(path / "model.safetensors")
    del sd["model.layers.3.attn.inner_cross_attn.lambda_q1"]
    sd["model.layers.3.attn.q_proj.weight"] = torch.zeros(2, 2)
    sd["model.layers.0.attn.A_log"] = torch.zeros(3, 3)
    save_file(sd, tmp_path / "model.safetensors")
    _copy(path, tmp_path)
    with pytest.raises(CheckpointError) as e:
        load_pretrained(tmp_path, device="cpu")
    msg = str(e.value)
    assert "missing: model.layers.3.attn.inner_cross_attn.lambda_q1" in msg
    assert "unexpected: model.layers.3.attn.q_proj.weight" in msg
    assert "model.layers.0.attn.A_log: checkpoint [3, 3], model [128, 4]" in msg


def test_directory_errors(saved, tmp_path):
    _, _, path = saved
    with pytest.raises(CheckpointError, match="not found"):
        load_pretrained(tmp_path / "nope")
    with pytest.raises(CheckpointError, match="no config.json"):
        load_pretrained(tmp_path)
    _copy(path, tmp_path, ("config.json",))
    with pytest.raises(CheckpointError, match="no tokenizer.json"):
        load_pretrained(tmp_path)
    _copy(path, tmp_path, ("tokenizer.json",))
    with pytest.raises(CheckpointError, match="neither model.safetensors"):
        load_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "phi4flash", "hidden_size": 7}))
    with pytest.raises(ConfigError):
        load_pretrained(tmp_path)


def test_generation_config_adds_stop_ids(saved, tmp_path):
    _, _, path = saved
    _copy(path, tmp_path, ("config.json", "tokenizer.json", "model.safetensors"))
    (tmp_path / "generation_config.json").write_text(json.dumps({"eos_token_id": [42, 256]}))
    _, tok = load_pretrained(tmp_path, device="cpu")
    assert 42 in tok.stop_ids
    (tmp_path / "generation_config.json").write_text(json.dumps({"eos_token_id": "x"}))
    with pytest.raises(CheckpointError, match="eos_token_id"):
        load_pretrained(tmp_path, device="cpu")
