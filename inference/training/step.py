"""One optimizer step of the small-model trainer, eager or replayed from a CUDA graph.

A 7.5 M-parameter SambaY step over 16K tokens makes about 6,700 PyTorch operator calls for forward, backward and
clipping (counted with the profiler on CPU), plus AdamW, each a few microseconds of GPU work, so the eager step is
bound by the host issuing them (measured 36-52 ms a step on an H100 machine, docs/model.md). :class:`GraphedTrainStep` captures the whole step as one CUDA graph per
batch shape and replays it, so the host issues one launch a step.

Shapes: a batch is (inputs [B, T] int64, targets [B, T] int64, mask [B, T] float) as made by
:func:`inference.training.data.collate`; with ``pad_to`` / ``rows`` there the shapes come from a small set (T a
multiple of ``pad_to``, B = ``tokens_per_batch // T``), one graph each.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn.functional as F

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, params: Iterable[torch.nn.Parameter],
               batch: Batch, *, autocast_cache: bool = True, max_norm: float = 1.0) -> torch.Tensor:
    """Forward, mean cross-entropy over the mask's tokens, backward, clip the gradient norm to `max_norm`,
    optimizer step. `batch` on the model's device. Returns the loss (0-d tensor, fp32, not synchronised): no
    host synchronisation anywhere, so the same code runs inside a CUDA-graph capture (`autocast_cache=False`
    there: the autocast weight cache must not outlive a capture). bf16 autocast on CUDA only."""
    inputs, targets, mask = batch
    device = inputs.device
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda",
                        cache_enabled=autocast_cache):
        logits = model(inputs)
    losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    loss = (losses * mask.reshape(-1)).sum() / mask.sum().clamp_min(1.0)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(params), max_norm)
    optimizer.step()
    return loss.detach()


class GraphedTrainStep:
    """:func:`train_step` captured as one CUDA graph per batch shape, then replayed.

    Needs a CUDA model and an optimizer built with ``capturable=True`` whose learning rate is a CUDA tensor
    (update it in place, e.g. ``lr.fill_(x)``, before a step). The first batch of a new shape runs eagerly on a
    side stream (a real step; it also warms up cuBLAS and creates the optimizer state), then the step is captured
    without running; later batches of that shape are copied into the graph's static inputs and replayed. All
    graphs share one memory pool (they never run at the same time). A shape whose capture raises is remembered
    and runs eagerly from then on (`eager_shapes`), so a capture problem costs speed, never the run.
    """

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, max_norm: float = 1.0) -> None:
        self.model, self.optimizer, self.max_norm = model, optimizer, max_norm
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.graphs: dict[tuple[int, ...], tuple[torch.cuda.CUDAGraph, Batch, torch.Tensor]] = {}
        self.eager_shapes: dict[tuple[int, ...], str] = {}
        self.pool: object | None = None
        self.captures = 0

    def _eager(self, batch: Batch) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        return train_step(self.model, self.optimizer, self.params, batch, max_norm=self.max_norm)

    def __call__(self, batch: Batch) -> torch.Tensor:
        """One step on `batch` (CPU or CUDA tensors) -> the loss (0-d CUDA tensor, valid until the next call)."""
        shape = tuple(batch[0].shape)
        if shape in self.eager_shapes:
            return self._eager(tuple(t.to(self.params[0].device, non_blocking=True) for t in batch))
        entry = self.graphs.get(shape)
        if entry is None:
            return self._first(shape, batch)
        graph, static, loss = entry
        for dst, src in zip(static, batch):
            dst.copy_(src, non_blocking=True)
        graph.replay()
        return loss

    def _first(self, shape: tuple[int, ...], batch: Batch) -> torch.Tensor:
        device = self.params[0].device
        static = tuple(t.to(device) for t in batch)
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            loss = self._eager(static).clone()
        torch.cuda.current_stream(device).wait_stream(side)
        try:
            self.optimizer.zero_grad(set_to_none=True)  # the graph writes fresh gradients (no accumulation)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph, pool=self.pool):
                static_loss = train_step(self.model, self.optimizer, self.params, static, autocast_cache=False,
                                         max_norm=self.max_norm)
        except Exception as exc:  # noqa: BLE001 - any capture failure: fall back to eager for this shape
            self.eager_shapes[shape] = f"{type(exc).__name__}: {exc}"[:300]
            torch.cuda.synchronize(device)
            return loss
        self.pool = graph.pool()
        self.graphs[shape] = (graph, static, static_loss)
        self.captures += 1
        return loss
