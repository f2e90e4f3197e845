"""The shipped checkpoint: present, small, the SambaY layout, strictly loadable, and actually explaining."""

import json
import shutil

import pytest
import torch

from curriculum.explain import EVAL_SEEDS, build_prompt, family_of, verify_explanation
from curriculum.templates import instantiate, load_templates
from inference import load_pretrained
from inference.bundled import REQUIRED_FILES, bundled_model_dir, complete_model_dir
from inference.generate import stream


@pytest.fixture(scope="module")
def bundled():
    path = bundled_model_dir()
    assert path is not None, "inference/bundled/sambay-tutor-small is missing or incomplete"
    return path


def test_bundle_is_complete_and_small(bundled):
    for name in (*REQUIRED_FILES, "training.json"):
        assert (bundled / name).is_file()
    size = sum(p.stat().st_size for p in bundled.iterdir())
    assert size < 40 * 2**20, f"bundled model is {size / 2**20:.1f} MiB"


def test_bundle_loads_strictly_with_the_sambay_layout(bundled):
    model, tokenizer = load_pretrained(bundled, device="cpu")  # every tensor name and shape is checked
    cfg = model.config
    assert cfg.layer_types == ("mamba", "sliding_attention", "mamba", "sliding_attention", "memory_mamba",
                               "full_attention", "gmu", "cross_attention")
    assert (cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads) == (256, 8, 4)
    assert cfg.tie_word_embeddings and cfg.vocab_size >= tokenizer.vocab_size
    for token in ("<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>", "<|system|>"):
        tokenizer.token_id(token)
    manifest = json.loads((bundled / "training.json").read_text())
    assert manifest["parameters"] == sum(p.numel() for p in model.parameters())
    assert manifest["corpus"]["families"] and manifest["corpus"]["templates"]


def test_bundle_explains_a_fresh_problem_correctly(bundled):
    """One evaluation-range problem (never a training seed) of a family the model is claimed for (docs/model.md),
    greedy: the boxed answer passes the checker."""
    model, tokenizer = load_pretrained(bundled, device="cpu")
    trained = set(json.loads((bundled / "training.json").read_text())["corpus"]["templates"])
    template = next(t for tid, t in sorted(load_templates().items())
                    if tid in trained and family_of(t) == "factoring")  # a family claimed at >= 0.95
    instance = instantiate(template, EVAL_SEEDS.start + 12345)
    torch.manual_seed(0)
    ids = list(stream(model, tokenizer.chat_prompt_ids(build_prompt(instance)), max_new_tokens=600,
                      stop_ids=tokenizer.stop_ids))
    text = tokenizer.decode(ids)
    verdict = verify_explanation(instance, text, isolate=False)
    assert verdict.correct, f"{instance.statement}\n{text}\n{verdict}"


def test_incomplete_or_lfs_pointer_bundles_are_not_offered(bundled, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(bundled, copy)
    assert complete_model_dir(copy) == copy
    (copy / "model.safetensors").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\n")
    assert complete_model_dir(copy) is None
    shutil.copytree(bundled, tmp_path / "n")
    (tmp_path / "n" / "tokenizer.json").unlink()
    assert complete_model_dir(tmp_path / "n") is None
