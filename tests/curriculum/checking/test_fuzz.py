"""Property tests (hypothesis): no input crashes the parser or the checker, and nothing accepted
escapes the allow-list (only known node types, allowed variables and allow-listed functions)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curriculum.checking import check_inline, parse_student
from curriculum.checking.parse import ParseFailure, parse
from curriculum.checking.render import to_text
from curriculum.checking.tree import (
    BinOp,
    Call,
    Const,
    Factorial,
    Group,
    Logic,
    Neg,
    Num,
    Paren,
    Rel,
    Seq,
    Sym,
    Union,
    walk,
)
from curriculum.checking.vocabulary import FUNCTIONS

ALLOWED = frozenset({"x", "y"})
NODE_TYPES = (BinOp, Call, Const, Factorial, Group, Logic, Neg, Num, Paren, Rel, Seq, Sym, Union)

_atoms = st.sampled_from(["x", "y", "2", "0", "1.5", "pi", "e", "10", "(x+1)", "sqrt(x)", "0.0"])
_ops = st.sampled_from(["+", "-", "*", "/", "^", "", " ", "=", "<", ">=", ",", " or "])
_funcs = st.sampled_from(["sin", "cos", "ln", "sqrt", "abs", "exp", "log", "tan", "sinx", "f", "__import__"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, mostly well-formed expression text (with deliberate breakage sprinkled in)."""
    if depth > 3 or draw(st.booleans()):
        return draw(_atoms)
    kind = draw(st.integers(0, 4))
    a = draw(expressions(depth + 1))
    if kind == 0:
        return f"{a}{draw(_ops)}{draw(expressions(depth + 1))}"
    if kind == 1:
        return f"{draw(_funcs)}({a})"
    if kind == 2:
        return f"({a})" if draw(st.booleans()) else f"({a}"
    if kind == 3:
        return f"-{a}"
    return f"{{{a}, {draw(expressions(depth + 1))}}}"


_noise = st.lists(
    st.sampled_from(list("xy0123456789+-*/^()[]{}|=<>!.,; _eπ√²−×÷\\'\"`$#@:?~&%") + ["sin", "pi", "__", "\\frac",
                                                                                   "\\sqrt", "\\left("]),
    max_size=40,
).map("".join)
_unicode = st.text(max_size=40)


def _assert_allow_listed(text: str) -> None:
    try:
        p = parse(text, allowed_symbols=ALLOWED)
    except ParseFailure as e:
        assert e.note.startswith("PARSE_") and e.message
        return
    for n in walk(p.tree):
        assert isinstance(n, NODE_TYPES)
        if isinstance(n, Sym):
            assert n.name in ALLOWED
        if isinstance(n, Call):
            assert n.func in FUNCTIONS
        if isinstance(n, Num):
            assert n.text.replace(".", "", 1).isdigit()
    # canonical text re-parses to the same canonical text
    again = parse(to_text(p.tree), allowed_symbols=ALLOWED)
    assert to_text(again.tree) == to_text(p.tree)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(expressions(), _noise, _unicode))
def test_parser_never_crashes_and_stays_in_the_allow_list(text: str) -> None:
    _assert_allow_listed(text)
    res = parse_student(text, allowed_symbols=ALLOWED)
    assert res.valid or (res.error and res.note.startswith("PARSE_"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(expressions(), _noise))
def test_latex_path_never_crashes(text: str) -> None:
    res = parse_student(text, input_format="latex", allowed_symbols=ALLOWED)
    assert res.valid or res.note.startswith("PARSE_")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.sampled_from(["AlgEquiv", "FacForm", "Expanded", "SingleFrac", "Sets", "Int"]))
def test_checker_never_raises_on_student_input(text: str, test: str) -> None:
    teacher = {"Sets": "{1, 2}", "Int": "x^2/2", "FacForm": "(x-1)(x+y)"}.get(test, "x^2+y")
    options = {"var": "x"} if test in ("FacForm", "Int", "PartFrac", "CompSquare") else None
    res = check_inline(test, text, teacher, options)
    assert isinstance(res.valid, bool) and 0.0 <= res.score <= 1.0 and res.note
    assert res.valid or not res.correct
