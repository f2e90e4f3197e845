"""`inference`: a pure-PyTorch SambaY decoder (Phi-4-mini-flash-reasoning) with streaming generation.

Importing this package loads torch only: no CUDA initialisation, no kernel compilation, no optional imports.

    from inference import SambaYConfig, SambaYForCausalLM, load_pretrained
    from inference.generate import stream, stream_text
"""

from .cache import SambaYCache
from .config import SambaYConfig
from .errors import (
    CheckpointError,
    ConfigError,
    GenerationError,
    InferenceError,
    TokenizerError,
    UnsupportedConfig,
)
from .loading import Pretrained, load_pretrained, save_pretrained
from .model import SambaYForCausalLM
from .tokenizer import Tokenizer

__all__ = [
    "CheckpointError",
    "ConfigError",
    "GenerationError",
    "InferenceError",
    "Pretrained",
    "SambaYCache",
    "SambaYConfig",
    "SambaYForCausalLM",
    "Tokenizer",
    "TokenizerError",
    "UnsupportedConfig",
    "load_pretrained",
    "save_pretrained",
]
