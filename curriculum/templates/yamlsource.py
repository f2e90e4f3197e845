"""Safe YAML loading that remembers the line of every value, so errors can point at it.

``load_with_lines(text)`` -> ``(data, lines)`` where ``lines`` maps a path tuple such as
``("variables", "a")`` or ``("hints", 1)`` to its 1-based line. Only the safe YAML subset is built
(``yaml.SafeLoader``: no Python objects); duplicate keys are an error, not a silent overwrite.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

Path = tuple[Any, ...]
DOC_SPLIT_RE = re.compile(r"^---[ \t]*$", re.MULTILINE)


class YamlSourceError(Exception):
    """Malformed YAML; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


#: bounds on one document: nesting depth and number of YAML nodes (a template has a few hundred).
MAX_DEPTH = 40
MAX_NODES = 20_000
_PLAIN_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq", "map",
                                                            "timestamp"))


class _Budget:
    """Nodes seen so far (by identity: an alias re-uses its anchor's node, which is how a
    "billion laughs" document expands exponentially) and how many were built."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.count = 0


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], loader: yaml.SafeLoader,
           budget: _Budget | None = None) -> Any:
    budget = budget if budget is not None else _Budget()
    line = node.start_mark.line + 1
    if id(node) in budget.seen:
        raise YamlSourceError("YAML anchors and aliases (&name, *name) are not supported in templates", line)
    budget.seen.add(id(node))
    budget.count += 1
    if budget.count > MAX_NODES:
        raise YamlSourceError(f"the YAML document is too large (over {MAX_NODES} values)", line)
    if len(path) > MAX_DEPTH:
        raise YamlSourceError(f"the YAML document is nested too deeply (over {MAX_DEPTH} levels)", line)
    if node.tag not in _PLAIN_TAGS:
        raise YamlSourceError(f"YAML tag '{node.tag}' is not supported in templates", line)
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag not in _PLAIN_TAGS or not isinstance(key_node, yaml.ScalarNode):
                raise YamlSourceError("a mapping key must be a plain value", key_node.start_mark.line + 1)
            try:
                key = loader.construct_object(key_node, deep=True)
            except ValueError as exc:
                raise YamlSourceError(f"invalid YAML key: {exc}", key_node.start_mark.line + 1) from None
            if isinstance(key, (list, dict)):
                raise YamlSourceError("a mapping key must be a plain value", key_node.start_mark.line + 1)
            if key in out:
                raise YamlSourceError(f"duplicate key '{key}'", key_node.start_mark.line + 1)
            out[key] = _build(value_node, (*path, key), lines, loader, budget)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, loader, budget) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit str->int limit
        raise YamlSourceError(f"invalid YAML value: {exc}", line) from None


def load_with_lines(text: str, *, first_line: int = 1) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document; lines are shifted so that the text's first line is ``first_line``."""
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise YamlSourceError(f"the YAML document is nested too deeply (over {MAX_DEPTH} levels)", first_line) \
            from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + offset
        raise YamlSourceError(f"invalid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"invalid YAML: {exc}", first_line) from None
    if node is None:
        return None, {(): first_line}
    lines: dict[Path, int] = {}
    loader = yaml.SafeLoader("")
    try:
        data = _build(node, (), lines, loader)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlSourceError(f"invalid YAML value: {exc.problem}", (mark.line + 1 if mark else 1) + offset) \
            from None
    except YamlSourceError as exc:
        raise YamlSourceError(str(exc), exc.line + offset) from None
    return data, {k: v + offset for k, v in lines.items()}


def split_documents(text: str) -> list[tuple[str, int]]:
    """Split a multi-document file on ``---`` lines -> ``[(document_text, first_line), ...]``.

    Empty documents (only comments/whitespace) are dropped.
    """
    out: list[tuple[str, int]] = []
    start, line = 0, 1
    for m in DOC_SPLIT_RE.finditer(text):
        chunk = text[start:m.start()]
        out.append((chunk, line))
        line += chunk.count("\n") + 1
        start = m.end() + 1
    out.append((text[start:], line))

    def empty(chunk: str) -> bool:
        return all(not ln.strip() or ln.lstrip().startswith("#") for ln in chunk.splitlines())

    return [(chunk, first) for chunk, first in out if not empty(chunk)]
