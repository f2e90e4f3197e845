"""Tokeniser for normalised student/teacher text: numbers, names, operators, brackets.

Anything not on the allow-list (quotes, backslashes, dots outside numbers, ``_``
at the start of a name, ``__`` anywhere, ``#``, ``$``, ``@``, ``;`` in English...) is
rejected here with a ``PARSE_BAD_CHAR`` / ``PARSE_FORBIDDEN_NAME`` failure, so
attribute access and dunder names never reach later stages.
"""

from __future__ import annotations

from dataclasses import dataclass

from .limits import Limits


class ParseFailure(Exception):
    """Internal: the text does not parse. Carries a stable note and a student-facing message."""

    def __init__(self, note: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.note = note
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int
    space_before: bool = False


_TWO_CHAR_OPS = ("<=", ">=", "!=", "=<", "=>")
_ONE_CHAR_OPS = set("+-*/^!=<>,;|()[]{}∪")
MAX_NAME_LENGTH = 24


def tokenize(text: str, limits: Limits) -> list[Token]:
    """Split normalised text into tokens; raise ``ParseFailure`` on anything not allowed."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    space = False
    while i < n:
        ch = text[i]
        if ch == " ":
            space = True
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and text[j].isdigit():
                j += 1
            if j < n and text[j] == ".":
                j += 1
                while j < n and text[j].isdigit():
                    j += 1
                if j < n and text[j] == "." and j + 1 < n and text[j + 1].isdigit():
                    raise ParseFailure("PARSE_BAD_NUMBER", f"'{text[i:j + 2]}...' is not a number (two decimal points)", i)
            raw = text[i:j]
            if raw.endswith("."):
                raw = raw[:-1]
                if j < n and (text[j].isalpha()):
                    raise ParseFailure("PARSE_BAD_CHAR", "a '.' may only be used as a decimal point", j - 1)
            if raw.startswith("."):
                raw = "0" + raw
            if sum(c.isdigit() for c in raw) > limits.max_number_digits:
                raise ParseFailure(
                    "PARSE_NUMBER_TOO_LONG", f"numbers may have at most {limits.max_number_digits} digits", i
                )
            if j + 1 < n and text[j] in "eE" and (text[j + 1].isdigit() or text[j + 1] in "+-" and j + 2 < n
                                                  and text[j + 2].isdigit()):
                raise ParseFailure("PARSE_E_NOTATION", f"write {raw}*10^... instead of e-notation", j)
            tokens.append(Token("num", raw, i, space))
            i = j
        elif ch.isascii() and ch.isalpha():
            j = i
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            name = text[i:j]
            if "__" in name or name.endswith("_"):
                raise ParseFailure("PARSE_FORBIDDEN_NAME", f"'{name}' is not a valid name", i)
            if len(name) > MAX_NAME_LENGTH:
                raise ParseFailure("PARSE_NAME_TOO_LONG", f"the name '{name[:12]}...' is too long", i)
            tokens.append(Token("name", name, i, space))
            i = j
        elif text.startswith(_TWO_CHAR_OPS, i):
            op = text[i:i + 2]
            op = {"=<": "<=", "=>": ">="}.get(op, op)
            tokens.append(Token("op", op, i, space))
            i += 2
        elif ch in _ONE_CHAR_OPS:
            tokens.append(Token("op", ch, i, space))
            i += 1
        else:
            shown = ch if ch.isprintable() else repr(ch)
            if ch == "_":
                raise ParseFailure("PARSE_FORBIDDEN_NAME", "names must start with a letter", i)
            if ch == ".":
                raise ParseFailure("PARSE_BAD_CHAR", "a '.' may only be used as a decimal point", i)
            if ch in "±∓":
                raise ParseFailure("PARSE_BAD_CHAR", "'±' cannot be checked: write both answers, e.g. "
                                                     "'x = 1 + 2 or x = 1 - 2'", i)
            raise ParseFailure("PARSE_BAD_CHAR", f"the character '{shown}' is not allowed here", i)
        space = False
    tokens.append(Token("end", "", n, space))
    return tokens
