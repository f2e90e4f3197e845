"""MathLive/MathQuill LaTeX -> plain text in our syntax, through a small bounded translator.

SymPy's ``parse_latex`` is not used (it is not strict by default and raises raw
``RecursionError`` on short nested input, sympy#30000). This translator knows a fixed
list of commands; anything else is a ``PARSE_LATEX_UNKNOWN_COMMAND`` failure. Its output
goes through the same text parser, allow-lists and limits as typed input.
"""

from __future__ import annotations

from .limits import Limits
from .tokenize import ParseFailure

# command -> replacement text (surrounded by spaces where it is a word)
_SIMPLE = {
    "cdot": "*", "times": "*", "ast": "*", "div": "/", "le": "<=", "leq": "<=", "leqslant": "<=",
    "ge": ">=", "geq": ">=", "geqslant": ">=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">",
    "pi": " pi ", "infty": " oo ", "cup": " ∪ ", "lor": " or ", "land": " and ", "vee": " or ", "wedge": " and ",
    "exponentialE": " e ", "imaginaryI": " i ", "lbrace": "{", "rbrace": "}", "{": "{", "}": "}",
    "lbrack": "[", "rbrack": "]", "vert": "|", "mid": "|", "lvert": "|", "rvert": "|", "|": "|",
    "lparen": "(", "rparen": ")", "degree": "", "circ": "",
    ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ", "displaystyle": "",
    "left": "", "right": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "", "big": "", "Big": "",
    "mathrm": None, "operatorname": None, "text": None, "mathit": None, "mathbf": None, "textrm": None,
}
_FUNCTIONS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "exp", "ln", "log", "lg", "sgn", "arccot", "arcsec", "arccsc", "coth",
}
_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega",
}


def latex_to_text(source: str, limits: Limits) -> str:
    """Translate LaTeX to our plain syntax. Raises ``ParseFailure`` on unknown commands or bad braces."""
    if len(source) > limits.max_length * 4:
        raise ParseFailure("PARSE_TOO_LONG", f"the answer is too long (at most {limits.max_length} characters)")
    return _Translator(source, limits).run()


class _Translator:
    def __init__(self, src: str, limits: Limits) -> None:
        self.s = src
        self.i = 0
        self.limits = limits
        self.depth = 0

    def run(self) -> str:
        out = self.sequence(stop=None)
        if self.i < len(self.s):
            raise ParseFailure("PARSE_UNEXPECTED_CLOSE", "there is a '}' without a matching '{'", self.i)
        return out

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise ParseFailure("PARSE_TOO_DEEP", "the answer is nested too deeply", self.i)

    def sequence(self, stop: str | None) -> str:
        parts: list[str] = []
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "}" :
                if stop == "}":
                    return "".join(parts)
                raise ParseFailure("PARSE_UNEXPECTED_CLOSE", "there is a '}' without a matching '{'", self.i)
            if stop == "]" and ch == "]":
                return "".join(parts)
            parts.append(self.item())
        if stop is not None:
            raise ParseFailure("PARSE_MISSING_CLOSE_PAREN", f"missing closing '{stop}' in the LaTeX", self.i)
        return "".join(parts)

    def group(self) -> str:
        """A braced group or a single token (``\\frac12``)."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            raise ParseFailure("PARSE_MISSING_ARGUMENT", "a LaTeX command is missing its argument", self.i)
        if self.s[self.i] == "{":
            self.i += 1
            self.enter()
            inner = self.sequence(stop="}")
            self.i += 1
            self.depth -= 1
            return inner
        if self.s[self.i] == "\\":
            # a command as the argument of a command (``\frac\frac...``, ``\sqrt\sqrt...``) nests like
            # a braced group, so it counts against the depth limit (else: RecursionError)
            self.enter()
            out = self.command()
            self.depth -= 1
            return out
        ch = self.s[self.i]
        self.i += 1
        return ch

    def item(self) -> str:
        ch = self.s[self.i]
        if ch == "\\":
            return self.command()
        if ch == "{":
            return "(" + self.group() + ")"
        if ch in "^_":
            self.i += 1
            arg = self.group()
            if ch == "^":
                return "^" + _atom(arg)
            sub = arg.strip()
            if not sub.replace("_", "").isalnum():
                raise ParseFailure("PARSE_BAD_SUBSCRIPT", "subscripts may only contain letters and digits", self.i)
            return "_" + sub
        if ch == "~":
            self.i += 1
            return " "
        self.i += 1
        return ch

    def command(self) -> str:
        start = self.i
        self.i += 1
        if self.i >= len(self.s):
            raise ParseFailure("PARSE_BAD_CHAR", "the answer ends with '\\'", start)
        if self.s[self.i].isalpha():
            j = self.i
            while j < len(self.s) and self.s[j].isalpha():
                j += 1
            name = self.s[self.i:j]
            self.i = j
        else:
            name = self.s[self.i]
            self.i += 1
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num = self.group()
            den = self.group()
            return f"({_atom(num)}/{_atom(den)})"
        if name == "sqrt":
            index = None
            if self.i < len(self.s) and self.s[self.i] == "[":
                self.i += 1
                self.enter()
                index = self.sequence(stop="]")
                self.i += 1
                self.depth -= 1
            arg = self.group()
            return f" sqrt({arg})" if index is None else f" root({arg}, {index})"
        if name in ("mathrm", "operatorname", "text", "mathit", "mathbf", "textrm", "mathrm"):
            word = self.group()
            return f" {word.strip()} "
        if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr") and self.s[self.i:self.i + 1] == ".":
            self.i += 1
            return ""
        if name in ("pm", "mp"):
            raise ParseFailure("PARSE_BAD_CHAR", "'±' cannot be checked: write both answers, e.g. "
                                                 "'x = 1 + 2 or x = 1 - 2'", start)
        if name in _SIMPLE:
            return _SIMPLE[name] or ""
        if name in _FUNCTIONS:
            return f" {name} "
        if name in _GREEK:
            return " " + name.replace("var", "") + " "
        if name in ("placeholder",):
            self.group()
            return ""
        raise ParseFailure("PARSE_LATEX_UNKNOWN_COMMAND", f"unknown LaTeX command '\\{name}'", start)


def _atom(text: str) -> str:
    """Wrap translated text in brackets unless it is a single number or name."""
    t = text.strip()
    if t and (t.replace(".", "", 1).isdigit() or t.isalpha() and len(t) == 1):
        return t
    return "(" + t + ")"
