"""bench/bench_decode_variants.py's variant names -> module switches (the parser runs on any machine)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="module")
def bdv():
    sys.path.insert(0, str(BENCH))
    try:
        import bench_decode_variants
    finally:
        sys.path.remove(str(BENCH))
    return bench_decode_variants


def _named(switches: dict) -> dict:
    return {f"{mod.__name__.rsplit('.', 1)[-1]}.{attr}": val for (mod, attr), val in switches.items()}


def test_named_tile_and_switch_variants(bdv):
    assert _named(bdv.variant("no_updown")) == {"triton_decode.UPDOWN": False}
    assert _named(bdv.variant("ud=1x4x4")) == {"triton_decode_kernels.UPDOWN_DEFAULT": (1, 4, 4),
                                               "triton_decode_kernels.UPDOWN_CONFIGS": {}}
    assert _named(bdv.variant("uds=8x128")) == {"triton_decode_kernels.UPDOWN_SUM": (8, 128)}
    # NAME=value: triton_decode's switch when it has one, else triton_decode_kernels'
    assert _named(bdv.variant("UPDOWN=false")) == {"triton_decode.UPDOWN": False}
    assert _named(bdv.variant("UPDOWN_PREFETCH=true")) == {"triton_decode_kernels.UPDOWN_PREFETCH": True}
    assert _named(bdv.variant("DEFAULT_WAVES=4")) == {"triton_decode_kernels.DEFAULT_WAVES": 4}
    assert _named(bdv.variant("no_updown+uds=16x256")) == {"triton_decode.UPDOWN": False,
                                                            "triton_decode_kernels.UPDOWN_SUM": (16, 256)}


def test_switch_values(bdv):
    assert bdv._switch_value("8M") == 8 << 20
    assert bdv._switch_value("512K") == 512 << 10
    assert bdv._switch_value("0") == 0
    assert bdv._switch_value("false") is False
    assert bdv._switch_value("before") == "before"


@pytest.mark.parametrize("name", ["nope", "ud=1x4", "NO_SUCH_SWITCH=1", "uds=axb"])
def test_unknown_variants_are_refused(bdv, name):
    with pytest.raises((SystemExit, ValueError)):
        bdv.variant(name)
