import csv
import gzip
import json

import pytest
import torch

from inference import load_pretrained
from inference.config import SambaYConfig
from inference.training.data import DataError, collate, encode, read_jsonl
from inference.training.tokenizer_train import train_tokenizer
from inference.training.train import main


def test_cpu_smoke_writes_a_strictly_loadable_hf_checkpoint(smoke_checkpoint):
    names = {p.name for p in smoke_checkpoint.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json", "training.json",
            "loss.csv"} <= names
    model, tokenizer = load_pretrained(smoke_checkpoint, device="cpu")  # strict: names and shapes checked
    cfg = SambaYConfig.from_json(smoke_checkpoint / "config.json")
    assert cfg.layer_types == ("mamba", "sliding_attention", "mamba", "sliding_attention", "memory_mamba",
                               "full_attention", "gmu", "cross_attention")
    assert cfg.vocab_size >= tokenizer.vocab_size and cfg.vocab_size % 64 == 0
    gen = json.loads((smoke_checkpoint / "generation_config.json").read_text())
    assert set(gen["eos_token_id"]) == {tokenizer.token_id("<|end|>"), tokenizer.token_id("<|endoftext|>")}
    logits = model(torch.tensor([tokenizer.chat_prompt_ids("1 + 1?")]))
    assert torch.isfinite(logits).all()


def test_loss_curve_and_manifest(smoke_checkpoint):
    with open(smoke_checkpoint / "loss.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [2, 3]
    assert all(float(r["train_loss"]) > 0 and float(r["val_loss"]) > 0 for r in rows)
    manifest = json.loads((smoke_checkpoint / "training.json").read_text())
    assert manifest["steps"] == 3 and manifest["corpus"]["families"] == {"fractions": 16}
    assert manifest["corpus"]["templates"][0].startswith("fractions.add_subtract")
    assert manifest["recipe"]["cpu_smoke"] is True


def test_loss_mask_covers_exactly_the_response_and_its_end(small_corpus):
    records = list(read_jsonl(small_corpus / "train.jsonl"))[:3]
    tok = train_tokenizer([r["prompt"] + r["response"] for r in records], 300)
    examples = [encode(tok, r) for r in records]
    inputs, targets, mask = collate(examples, pad_id=0)
    for b, (ex, r) in enumerate(zip(examples, records, strict=True)):
        trained = targets[b][mask[b].bool()].tolist()
        assert trained == [*tok.encode(r["response"]), tok.token_id("<|end|>")]
        assert inputs[b, :len(ex.ids) - 1].tolist() == list(ex.ids[:-1])


def test_bad_corpus_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    with gzip.open(bad, "wt") as f:
        f.write('{"prompt": "p", "response": "r"}\n{"prompt": "p"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl.gz:2: .*'response'"):
        list(read_jsonl(bad))
    assert main(["--data", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o"), "--cpu-smoke"]) == 2


def test_init_from_continues_a_checkpoint(smoke_checkpoint, small_corpus, tmp_path):
    out = tmp_path / "stage2"
    assert main(["--data", str(small_corpus / "train.jsonl"), "--out", str(out), "--cpu-smoke",
                 "--init-from", str(smoke_checkpoint)]) == 0
    first = json.loads((smoke_checkpoint / "config.json").read_text())
    assert json.loads((out / "config.json").read_text()) == first  # same architecture, same tokenizer
    assert (out / "tokenizer.json").read_text() == (smoke_checkpoint / "tokenizer.json").read_text()
    manifest = json.loads((out / "training.json").read_text())
    assert manifest["recipe"]["init_from"] == smoke_checkpoint.name and manifest["scan"] == "parallel"
    assert manifest["previous_stage"] == json.loads((smoke_checkpoint / "training.json").read_text())
    load_pretrained(out, device="cpu")


def test_kernel_scan_without_cuda_is_refused(small_corpus, tmp_path):
    assert main(["--data", str(small_corpus / "train.jsonl"), "--out", str(tmp_path / "k"), "--cpu-smoke",
                 "--scan", "kernel"]) == 2


def test_padded_batches_have_few_shapes_and_the_same_loss(small_corpus):
    import random

    from inference.testing import tiny_random_model
    from inference.training.data import batches, padded_length
    from inference.training.train import masked_loss

    records = list(read_jsonl(small_corpus / "train.jsonl"))
    tok = train_tokenizer([r["prompt"] + r["response"] for r in records], 300)
    examples = [encode(tok, r) for r in records]
    longest = max(len(e.ids) for e in examples)
    tokens = 4 * padded_length(longest, 16)
    shapes = set()
    stream = batches(examples, tokens, random.Random(0), pad_to=16)
    for _ in range(12):
        batch = next(stream)
        inputs, targets, mask = collate(batch, 0, pad_to=16, tokens_per_batch=tokens)
        T = inputs.shape[1]
        assert T % 16 == 0 and inputs.shape[0] == tokens // T >= len(batch) and mask[len(batch):].sum() == 0
        shapes.add(tuple(inputs.shape))
        # padding rows and columns are masked out: the loss is the unpadded batch's
        model, _ = tiny_random_model(seed=3, vocab_size=320)
        padded, _ = masked_loss(model, (inputs, targets, mask), torch.device("cpu"))
        plain, _ = masked_loss(model, collate(batch, 0), torch.device("cpu"))
        assert torch.allclose(padded, plain, rtol=1e-5, atol=1e-6)
    assert len(shapes) <= padded_length(longest, 16) // 16
    with pytest.raises(DataError, match="do not fit"):
        collate(examples[:8], 0, pad_to=16, tokens_per_batch=padded_length(longest, 16))


def test_cuda_graphs_need_cuda(small_corpus, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: tests/explainer/test_gpu_train_step.py covers the graphs")
    assert main(["--data", str(small_corpus / "train.jsonl"), "--out", str(tmp_path / "g"), "--cpu-smoke",
                 "--cuda-graphs"]) == 2


def test_fit_total_steps_spends_the_time_left():
    from inference.training.train import fit_total_steps

    # 100 s left at 10 ms a step (2% margin) plus a 1 s validation every 1000 steps: 100 / 0.0112 = 8928 more
    assert fit_total_steps(100, 100.0, 0.01, 1.0, 1000, 10**6) == 100 + 8928
    assert fit_total_steps(100, 100.0, 0.01, 1.0, 1000, 5000) == 5000  # capped by --steps
    assert fit_total_steps(100, -3.0, 0.01, 1.0, 1000, 10**6) == 101  # over budget: one more step, then stop
    assert fit_total_steps(0, 10.0, 0.0, 0.0, 1000, 777) == 777
