"""The CUDA-graph training step against the eager step (run on a CUDA machine; skipped elsewhere)."""

from __future__ import annotations

import pytest
import torch

from inference.testing import tiny_random_model
from inference.training.step import GraphedTrainStep, train_step
from inference.training.train import param_groups

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def _batches(seed: int, shapes: list[tuple[int, int]], vocab: int) -> list[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for B, T in shapes:
        inputs = torch.randint(1, vocab, (B, T), generator=g)
        targets = torch.randint(1, vocab, (B, T), generator=g)
        mask = (torch.rand(B, T, generator=g) > 0.3).float()
        out.append((inputs, targets, mask))
    return out


def _optimizer(model: torch.nn.Module, lr: torch.Tensor | float, capturable: bool) -> torch.optim.Optimizer:
    return torch.optim.AdamW(param_groups(model, 0.1), lr=lr, betas=(0.9, 0.95), eps=1e-8, fused=True,
                             capturable=capturable)


def test_graphed_steps_follow_the_eager_steps():
    shapes = [(4, 64), (2, 128), (4, 64), (4, 64), (2, 128), (8, 32), (2, 128), (8, 32)]
    eager_model, _ = tiny_random_model(seed=1, dtype=torch.float32)
    graph_model, _ = tiny_random_model(seed=1, dtype=torch.float32)
    eager_model = eager_model.cuda().requires_grad_(True).train()
    graph_model = graph_model.cuda().requires_grad_(True).train()
    vocab = eager_model.config.vocab_size
    eager_opt = _optimizer(eager_model, 1e-3, capturable=False)
    lr = torch.tensor(1e-3, device="cuda")
    graphed = GraphedTrainStep(graph_model, _optimizer(graph_model, lr, capturable=True))
    eager_losses, graph_losses = [], []
    for i, batch in enumerate(_batches(0, shapes, vocab)):
        step_lr = 1e-3 * (1 - i / 10)
        for g in eager_opt.param_groups:
            g["lr"] = step_lr
        eager_opt.zero_grad(set_to_none=True)
        eager_losses.append(float(train_step(eager_model, eager_opt, eager_model.parameters(),
                                             tuple(t.cuda() for t in batch))))
        lr.fill_(step_lr)
        graph_losses.append(float(graphed(batch)))
    assert graphed.captures == 3 and not graphed.eager_shapes  # one graph per shape, replayed after that
    assert graph_losses == pytest.approx(eager_losses, rel=2e-3)
    for (name, p), q in zip(eager_model.named_parameters(), graph_model.parameters(), strict=True):
        assert torch.allclose(p, q, rtol=2e-3, atol=2e-5), name
