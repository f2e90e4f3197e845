r"""Finding the final answer in a model's text: the content of the last balanced ``\boxed{...}``.

Braces are counted the way TeX counts them: ``\{`` and ``\}`` are escaped characters (set braces) and do not
open or close a group. An occurrence whose braces never close is skipped; among the occurrences that close,
the one that *starts* last wins (so ``\boxed{\boxed{1}}`` gives ``1``). ``\boxed {x}`` (space before the brace)
is accepted, as TeX accepts it.
"""

from __future__ import annotations

import re

from curriculum.explain.errors import ExplainError

_BOXED = re.compile(r"\\boxed\s*\{")


def _group_end(text: str, start: int) -> int | None:
    """Index just past the ``}`` closing the group whose ``{`` is at ``start - 1``; None if it never closes."""
    depth = 1
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2  # an escaped character (\{, \}, \\) or the first letter of a command: never a group brace
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def extract_boxed(text: str) -> str | None:
    r"""Content of the last balanced ``\boxed{...}`` in ``text``, stripped; None when there is none.

    >>> extract_boxed(r"so $\boxed{\frac{1}{2}}$.")
    '\\frac{1}{2}'
    >>> extract_boxed(r"\boxed{\{1, 2\}}")
    '\\{1, 2\\}'
    >>> extract_boxed("no box") is None
    True
    """
    if not isinstance(text, str):
        raise ExplainError(f"extract_boxed expects str, got {type(text).__name__}")
    for match in reversed(list(_BOXED.finditer(text))):
        end = _group_end(text, match.end())
        if end is not None:
            return text[match.end():end - 1].strip()
    return None
