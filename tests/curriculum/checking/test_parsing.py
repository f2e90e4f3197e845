"""Unit tests of the normalisation pipeline, tokenizer, parser, renderers and preview API."""

from __future__ import annotations

import pytest

from curriculum.checking import CHECKERS, parse_student, teacher_to_latex
from curriculum.checking import normalize as nz
from curriculum.checking.normalize import make_pipeline, normalize
from curriculum.checking.parse import ParseFailure, parse
from curriculum.checking.render import to_latex, to_text
from curriculum.errors import ParseError


@pytest.mark.parametrize(("step", "src", "out"), [
    (nz.superscripts, "x²+y³", "x^(2)+y^(3)"),
    (nz.superscripts, "x⁻¹", "x^(-1)"),
    (nz.unicode_symbols, "2×3÷4−1", "2*3/4-1"),
    (nz.unicode_symbols, "x≤2", "x<=2"),
    (nz.unicode_symbols, "θ", " theta "),
    (nz.compatibility_forms, "１２ｘ", "12x"),
    (nz.whitespace, " a \u00a0\tb ", "a b"),
    (nz.double_star, "x**2", "x^2"),
    (nz.decimal_comma, "1,5+2, 3", "1.5+2, 3"),
])
def test_each_normalisation_step(step, src: str, out: str) -> None:
    assert step(src) == out


def test_pipeline_order_and_locale() -> None:
    assert [n for n, _ in make_pipeline("en")] == sorted(n for n, _ in make_pipeline("en"))
    assert "060_decimal_comma" in [n for n, _ in make_pipeline("de-CH")]
    assert "060_decimal_comma" not in [n for n, _ in make_pipeline("en-GB")]
    assert normalize("2,5", "fr") == "2.5" and normalize("2,5", "en") == "2,5"


@pytest.mark.parametrize(("src", "text"), [
    ("2x+3(x+1)", "2*x + 3*(x + 1)"),
    ("x^2^3", "x^2^3"),
    ("-x^2", "-x^2"),
    ("2^-1", "2^(-1)"),
    ("sin^2(x)", "sin(x)^2"),
    ("2 sin x cos x", "2*sin(x)*cos(x)"),
    ("sin 2x", "sin(2*x)"),
    ("|x|+|y|", "abs(x) + abs(y)"),
    ("1<x<=2", "1 < x and x <= 2"),
    ("(1,2]", "(1, 2]"),
    ("x=1 or x=2", "x = 1 or x = 2"),
    ("5!", "5!"),
    ("3.50", "3.50"),
])
def test_parse_to_canonical_text(src: str, text: str) -> None:
    assert to_text(parse(src, allowed_symbols={"x", "y"}).tree) == text


@pytest.mark.parametrize(("src", "note", "fragment"), [
    ("sinx", "PARSE_UNKNOWN_FUNCTION", "did you mean sin(x)?"),
    ("lnx", "PARSE_UNKNOWN_FUNCTION", "did you mean ln(x)?"),
    ("(x+1", "PARSE_MISSING_CLOSE_PAREN", "missing closing parenthesis"),
    ("y", "PARSE_UNKNOWN_SYMBOL", "unknown variable 'y'"),
    ("X", "PARSE_WRONG_CASE", "did you mean 'x'"),
    ("", "PARSE_EMPTY", "enter an answer"),
])
def test_helpful_messages(src: str, note: str, fragment: str) -> None:
    with pytest.raises(ParseFailure) as ei:
        parse(src, allowed_symbols={"x"})
    assert ei.value.note == note and fragment in ei.value.message


def test_parse_student_preview() -> None:
    ok = parse_student("2 sin x", allowed_symbols={"x"})
    assert ok.valid and ok.text == "2*sin(x)" and ok.latex == r"2 \sin\left(x\right)"
    assert "PARSE_FUNCTION_WITHOUT_PARENS" in ok.warnings and ok.symbols == ("x",)
    bad = parse_student("sinx", allowed_symbols={"x"})
    assert not bad.valid and bad.note == "PARSE_UNKNOWN_FUNCTION" and bad.position == 0
    anything = parse_student("ab+c")  # no allow-list: letters are variables
    assert anything.valid and anything.symbols == ("a", "b", "c")
    latex = parse_student(r"\frac{1}{2}\sqrt{x}", input_format="latex")
    assert latex.valid and latex.text == "(1/2)*sqrt(x)"


def test_preview_does_not_evaluate() -> None:
    res = parse_student("9^9^9^9^9")  # would never finish if evaluated
    assert res.valid and res.text == "9^9^9^9^9"


def test_teacher_to_latex() -> None:
    assert teacher_to_latex("x^2/2 + c") == r"\frac{{x}^{2}}{2} + c"
    assert teacher_to_latex("sqrt(x_1)") == r"\sqrt{x_{1}}"
    assert teacher_to_latex("theta") == r"\theta"
    with pytest.raises(ParseError):
        teacher_to_latex("(x")


def test_latex_rendering_of_relations_and_sets() -> None:
    assert to_latex(parse("x<=2 or x>3", allowed_symbols={"x"}).tree) == r"x \leq 2 \text{ or } x > 3"
    assert to_latex(parse("{1,2}").tree) == r"\left\{1, 2\right\}"


def test_every_checker_declares_its_semantics() -> None:
    assert len(CHECKERS) == 23
    for name, spec in CHECKERS.items():
        assert spec.name == name and spec.doc and spec.family in ("equivalence", "numerical", "form", "calculus")
        assert spec.notes and all(n.startswith(name.upper() + "_") for n in spec.notes)
        assert spec.run is not None
