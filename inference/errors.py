"""One exception family for the `inference` package.

`tutor` catches :class:`InferenceError` at its interface; the subclasses say what went wrong.
"""

from __future__ import annotations


class InferenceError(Exception):
    """Base class of every error raised on purpose by `inference`."""


class ConfigError(InferenceError, ValueError):
    """A configuration dict/file is malformed or inconsistent."""


class UnsupportedConfig(ConfigError):
    """A configuration is well formed but describes a model this package does not implement."""


class CheckpointError(InferenceError):
    """A checkpoint directory is missing files, or its tensors do not match the model (names, shapes)."""


class TokenizerError(InferenceError):
    """The tokenizer file is missing or lacks a token the chat format needs."""


class GenerationError(InferenceError, ValueError):
    """Bad generation arguments (empty prompt, negative temperature, ...) or a misused cache."""
