"""SambaY mixers and MLP: each mixer has `forward` (a whole prompt) and `step` (one token with the cache)."""

from .attention import DifferentialAttention
from .gmu import GatedMemoryUnit
from .mamba import Mamba
from .mlp import SwiGLUMLP

__all__ = ["DifferentialAttention", "GatedMemoryUnit", "Mamba", "SwiGLUMLP"]
