"""tutor.inference_gateway: model loading from settings, labels, and both generators (engine, lockstep)."""

from __future__ import annotations

import threading

import pytest
import torch

from inference import load_pretrained
from inference.generate import stream
from tutor import inference_gateway as gw


def _loader(model_dir):
    model, tokenizer = load_pretrained(model_dir, device="cpu", dtype=torch.float32)
    return lambda: (model, tokenizer, gw.ModelInfo("tiny", "tiny", False, "cpu", "float32"))


def _alone(model_dir, prompt: str, n: int) -> str:
    model, tokenizer = load_pretrained(model_dir, device="cpu", dtype=torch.float32)
    ids = list(stream(model, tokenizer.chat_prompt_ids(prompt), max_new_tokens=n, stop_ids=tokenizer.stop_ids))
    return tokenizer.decode(ids)


GENERATORS = {
    "engine": lambda loader: gw.EngineGenerator(loader, max_batch=4, max_seq_len=512),
    "lockstep": gw.LockstepBatcher,
}


@pytest.mark.parametrize("backend", sorted(GENERATORS))
def test_concurrent_requests_are_stepped_together_and_match_single_generation(tiny_model_dir, backend) -> None:
    batcher = GENERATORS[backend](_loader(tiny_model_dir))
    prompts = ["Solve 2x = 4.", "What is 1/2 + 1/3? Explain step by step."]
    outputs: dict[str, str] = {}
    tokens: dict[str, int] = {}

    def run(prompt: str) -> None:
        deltas = list(batcher.generate(prompt, max_new_tokens=60, temperature=0.0, top_p=1.0, seed=0,
                                       should_stop=lambda: False))
        outputs[prompt] = "".join(d.text for d in deltas)
        tokens[prompt] = sum(d.tokens for d in deltas)

    threads = [threading.Thread(target=run, args=(p,)) for p in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert batcher.max_active_seen == 2, "the two requests were not in flight together"
    for prompt in prompts:
        assert tokens[prompt] == 60
        assert outputs[prompt] == _alone(tiny_model_dir, prompt, 60)


@pytest.mark.parametrize("backend", sorted(GENERATORS))
def test_should_stop_frees_the_slot(tiny_model_dir, backend) -> None:
    batcher = GENERATORS[backend](_loader(tiny_model_dir))
    seen = []
    for delta in batcher.generate("Explain.", max_new_tokens=400, temperature=0.0, top_p=1.0, seed=0,
                                  should_stop=lambda: len(seen) >= 5):
        seen.append(delta)  # noqa: PERF402 - should_stop reads seen while the stream runs
    assert len(seen) == 5
    deltas = list(batcher.generate("Again.", max_new_tokens=3, temperature=0.0, top_p=1.0, seed=0,
                                   should_stop=lambda: False))
    assert sum(d.tokens for d in deltas) == 3 and batcher.active_count == 0
    for bad in (0, -3, True, 2.0, "5"):  # a bool is an int to Python, not a token budget
        with pytest.raises(gw.GatewayError, match="max_new_tokens"):
            batcher.generate("x", max_new_tokens=bad, temperature=0.0, top_p=1.0, seed=0, should_stop=lambda: False)


def test_model_from_settings_and_the_labelled_random_fallback(settings, tiny_model_dir, monkeypatch) -> None:
    settings.INFERENCE_DEVICE, settings.INFERENCE_DTYPE = "cpu", "float32"
    settings.TUTOR_MODEL_DIR = str(tiny_model_dir)
    _, _, info = gw.load_model()
    assert (info.name, info.is_random, info.device, info.dtype) == ("tiny-never-stops", False, "cpu", "float32")

    settings.TUTOR_MODEL_DIR = ""
    monkeypatch.setattr(gw, "_bundled_dir", lambda: None)  # as on an install without the bundled model
    _, _, info = gw.load_model()
    assert info.is_random and info.name == gw.RANDOM_MODEL_NAME and "random" in info.label.lower()


def test_bad_model_settings_fail_with_the_setting_named(settings, tmp_path) -> None:
    settings.INFERENCE_DEVICE, settings.INFERENCE_DTYPE = "cpu", "float32"
    settings.TUTOR_MODEL_DIR = str(tmp_path / "missing")
    with pytest.raises(gw.GatewayError, match="cannot load the explanation model"):
        gw.load_model()
    settings.INFERENCE_DTYPE = "int8"
    with pytest.raises(gw.GatewayError, match="INFERENCE_DTYPE"):
        gw.load_model()
    settings.INFERENCE_DEVICE, settings.INFERENCE_DTYPE = "gpu0", "auto"
    with pytest.raises(gw.GatewayError, match="INFERENCE_DEVICE"):
        gw.load_model()


def test_the_backend_setting_picks_the_generator(settings) -> None:
    for backend, cls in (("engine", gw.EngineGenerator), ("lockstep", gw.LockstepBatcher)):
        settings.INFERENCE_BACKEND = backend
        gw.reset_text_generator()
        assert isinstance(gw.text_generator(), cls)
    settings.INFERENCE_BACKEND = "vllm"
    gw.reset_text_generator()
    with pytest.raises(gw.GatewayError, match="INFERENCE_BACKEND"):
        gw.text_generator()
    gw.reset_text_generator()


def test_the_engine_caps_the_budget_at_its_slot_and_refuses_a_prompt_that_cannot_fit(tiny_model_dir) -> None:
    gen = gw.EngineGenerator(_loader(tiny_model_dir), max_batch=2, max_seq_len=64)
    deltas = list(gen.generate("Hi.", max_new_tokens=100_000, temperature=0.0, top_p=1.0, seed=0,
                               should_stop=lambda: False))
    prompt_len = len(gen._ensure()[1].chat_prompt_ids("Hi."))
    assert sum(d.tokens for d in deltas) == 64 - prompt_len  # ended at "length" when the slot was full
    with pytest.raises(gw.GatewayError, match="does not fit"):
        gen.generate("x" * 200, max_new_tokens=5, temperature=0.0, top_p=1.0, seed=0, should_stop=lambda: False)
