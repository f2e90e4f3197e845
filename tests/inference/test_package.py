"""Package hygiene: importing `inference` touches no CUDA and no optional kernels; the bench runs on CPU."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_touches_no_cuda_and_no_optional_kernels():
    code = (
        "import sys, torch, inference, inference.generate, inference.testing, inference.kernels\n"
        "print(torch.cuda.is_initialized(), any(m.split('.')[0] in {'mamba_ssm', 'causal_conv1d', 'flash_attn',"
        " 'triton', 'django', 'curriculum', 'tutor'} for m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_public_api_names():
    import inference
    from inference.generate import stream, stream_text  # noqa: F401

    for name in ("SambaYConfig", "SambaYForCausalLM", "SambaYCache", "load_pretrained", "save_pretrained",
                 "Tokenizer", "InferenceError"):
        assert hasattr(inference, name)


@pytest.mark.slow
def test_bench_smoke_on_cpu(tmp_path):
    out_json = tmp_path / "bench.json"
    out = subprocess.run(
        [sys.executable, "bench/bench_inference.py", "--size", "tiny", "--device", "cpu", "--prompt-len", "12",
         "--new-tokens", "3", "--repeats", "1", "--json-out", str(out_json)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    res = json.loads(out_json.read_text())
    assert res["size"] == "tiny" and res["prompt_len"] == 12 and res["new_tokens"] == 3
    assert res["prefill_ms"] > 0 and res["decode_tok_s"] > 0 and res["parameters"] > 0
