import pytest
import torch

from inference import kernels
from inference.training.scan import parallel_scan, selective_scan_parallel


def _inputs(dtype, gated, T=70, seed=0):
    g = torch.Generator().manual_seed(seed)

    def r(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)

    B, Di, N = 2, 6, 4
    z = r(B, T, Di) if gated else None
    return [r(B, T, Di), r(B, T, Di) - 1, -torch.exp(r(Di, N)), r(B, T, N), r(B, T, N), r(Di), r(Di), z]


@pytest.mark.parametrize("gated", [False, True])
@pytest.mark.parametrize("chunk", [1, 16, 32, 200])
def test_parallel_scan_equals_reference(gated, chunk):
    args = _inputs(torch.float64, gated)
    y_ref, s_ref = kernels.selective_scan_reference(*args)
    y, s = selective_scan_parallel(*args, chunk=chunk)
    assert torch.allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    assert torch.allclose(s, s_ref, rtol=1e-10, atol=1e-10)


def test_parallel_scan_gradients_equal_reference():
    def grads(fn):
        args = [a.requires_grad_() for a in _inputs(torch.float64, True, seed=3)]
        y, _ = fn(*args)
        (y * torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view_as(y)).sum().backward()
        return [a.grad for a in args]

    for g, g_ref in zip(grads(selective_scan_parallel), grads(kernels.selective_scan_reference), strict=True):
        assert torch.allclose(g, g_ref, rtol=1e-8, atol=1e-10)


def test_parallel_scan_float32_close_to_float64_reference():
    ref = kernels.selective_scan_reference(*_inputs(torch.float64, True, T=300))[0]
    y = selective_scan_parallel(*_inputs(torch.float32, True, T=300))[0].double()
    assert ((y - ref).norm() / ref.norm()) < 1e-5


def test_context_manager_routes_and_restores():
    original = kernels.selective_scan
    with parallel_scan():
        assert kernels.selective_scan is selective_scan_parallel
    assert kernels.selective_scan is original
    with pytest.raises(ValueError, match="chunk"):
        selective_scan_parallel(*_inputs(torch.float64, False), chunk=0)
