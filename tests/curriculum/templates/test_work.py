"""Written-out arithmetic (curriculum.solutions.work): every chain is an exact equality, checked with Fraction."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy as sp

from curriculum.explain.drill import KINDS, drill_example, drill_examples
from curriculum.explain.errors import ExplainError
from curriculum.explain.seeds import EVAL_SEEDS
from curriculum.solutions import solve
from curriculum.solutions.work import arithmetic_work, as_decimal, long_division


def value(latex: str) -> Fraction:
    """Exact value of a chain item: numbers, + - \\cdot \\div and brackets only."""
    src = latex.replace(r"\cdot", "*").replace(r"\div", "/").replace(r"\left", "").replace(r"\right", "")
    if not re.fullmatch(r"[0-9.+\-*/() ]+", src):
        raise AssertionError(f"unexpected chain item {latex!r}")
    src = re.sub(r"(\d+(?:\.\d+)?)", r'Fraction("\1")', src)
    return eval(src, {"Fraction": Fraction})


def maths(text: str) -> list[str]:
    return re.findall(r"\$([^$]*)\$", text)


def check_chains(text: str, exact: Fraction) -> None:
    """Every `$a = b = ...$` span is an equality of exact values; the last span ends in the exact result."""
    spans = [m for m in maths(text) if "=" in m and r"\text" not in m]
    assert spans, text
    for span in spans:
        items = [v.strip() for v in span.split("=")]
        values = {value(v) for v in items}
        assert len(values) == 1, (span, values)
    assert value(spans[-1].split("=")[-1].strip()) == exact, (text, exact)


def number(rng: random.Random, places: int) -> sp.Expr:
    if places == 0:
        return sp.Integer(rng.choice([-1, 1]) * rng.randint(1, 999))
    k = rng.randint(1, 9999)
    return sp.Float(f"{sp.Rational(k, 10**places).evalf(30):.{places}f}", 15)


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_random_chains_are_exact(op):
    rng = random.Random(op)
    checked = 0
    for _ in range(400):
        a, b = number(rng, rng.choice((0, 0, 1, 2))), number(rng, rng.choice((0, 0, 1)))
        if op == "/":
            a = sp.Float(str(Decimal(str(as_decimal(a))) * Decimal(str(as_decimal(b)))), 15) \
                if not a.is_Integer or not b.is_Integer else a * b
        da, db = Fraction(str(as_decimal(a))), Fraction(str(as_decimal(b)))
        exact = {"+": da + db, "-": da - db, "*": da * db, "/": da / db}[op]
        work = arithmetic_work(op, a, b)
        if work is None:
            continue
        checked += 1
        check_chains(work, exact)
    assert checked > 300


@pytest.mark.parametrize(("op", "a", "b", "expected"), [
    ("+", -14, 24, "$-14 + 24 = 24 - 14 = 10$"),
    ("+", 47, 38, "$47 + 38 = (40 + 30) + (7 + 8) = 70 + 15 = 85$"),
    ("-", -73, 17, "$-73 - 17 = -(73 + 17) = -((70 + 10) + (3 + 7)) = -(80 + 10) = -90$"),
    ("*", 23, 4, r"$23 \cdot 4 = 20 \cdot 4 + 3 \cdot 4 = 80 + 12 = 92$"),
    ("*", 7, -3, r"$7 \cdot (-3) = -(7 \cdot 3) = -21$"),
])
def test_worked_examples(op, a, b, expected):
    assert arithmetic_work(op, sp.Integer(a), sp.Integer(b)) == expected


def test_decimal_product_counts_places_and_quotient_uses_long_division():
    work = arithmetic_work("*", sp.Float("6.1", 15), sp.Float("3.8", 15))
    assert r"61 \cdot 38 = 61 \cdot 30 + 61 \cdot 8 = 1830 + 488 = 2318" in work
    assert "$1 + 1 = 2$ decimal places" in work and work.endswith("= 23.18$")
    work = arithmetic_work("/", sp.Float("4.69", 15), sp.Float("0.7", 15))
    assert r"46.9 \div 7" in work and r"469 \div 7 = 67" in work and work.endswith("= 6.7$")
    assert long_division(469, 7) == [r"46 \div 7 = 6 \text{ r } 4", r"49 \div 7 = 7"]
    assert long_division(63, 7) == []
    with pytest.raises(ValueError):
        long_division(10, 3)


def test_no_work_for_fractions_inexact_quotients_or_a_wrong_result():
    assert arithmetic_work("+", sp.Rational(1, 3), sp.Integer(1)) is None
    assert arithmetic_work("/", sp.Integer(1), sp.Integer(3)) is None
    assert arithmetic_work("+", sp.Integer(2), sp.Integer(2), result=sp.Integer(5)) is None
    with pytest.raises(ValueError):
        arithmetic_work("^", sp.Integer(2), sp.Integer(2))


@pytest.mark.parametrize(("method", "given", "params", "phrases"), [
    ("linear_equation", {"equation": sp.Eq(9 * sp.Symbol("x") + 17, -73)}, {},
     ["$-73 - 17 = -(73 + 17)", r"$-90 \div 9$"]),
    ("linear_system", {"eq1": sp.Eq(2 * sp.Symbol("x") + sp.Symbol("y"), -6),
                       "eq2": sp.Eq(3 * sp.Symbol("x") + 3 * sp.Symbol("y"), -3)}, {},
     ["$6 - 3 = 3$", "$-18 + 3 = -(18 - 3) = -15$"]),
])
def test_solvers_show_their_arithmetic(method, given, params, phrases):
    result = solve(method, given, params)
    text = " ".join(s.text + " " + s.latex for s in result.steps)
    for phrase in phrases:
        assert phrase in text, (phrase, text)


def test_system_back_substitution_is_written_out():
    x, y = sp.symbols("x y")
    result = solve("linear_system", {"eq1": sp.Eq(2 * x + y, -6), "eq2": sp.Eq(3 * x + 3 * y, -3)}, {})
    assert any("-10 + y = -6" in s.latex and "y = -6 + 10" in s.latex for s in result.steps)
    assert result.result == sp.And(sp.Eq(x, -5), sp.Eq(y, 4))


def test_drill_examples_are_reproducible_correct_and_split():
    examples = list(drill_examples(range(300)))
    assert examples == list(drill_examples(range(300)))
    assert {e["template_id"].split(".", 1)[1] for e in examples} == set(KINDS)
    for ex in examples:
        assert ex["family"] == "drill" and ex["response"].rstrip(".").endswith("}$")
        expr = ex["prompt"].split("$")[1]
        boxed = re.search(r"\\boxed\{(.*)\}\$", ex["response"]).group(1)
        src = expr.replace(r"\left(", "(").replace(r"\right)", ")")
        src = re.sub(r"\\frac\{([^}]*)\}\{([^}]*)\}", r"(\1)/(\2)", src).replace(r"\cdot", "*")
        src = re.sub(r"\)\s*(?=[(\d])", ")*", re.sub(r"(\d)\s*\(", r"\1*(", src))
        src = re.sub(r"(\d+(?:\.\d+)?)", r'Fraction("\1")', src)
        assert eval(src, {"Fraction": Fraction}) == Fraction(boxed), (ex["prompt"], boxed)
    assert drill_example(EVAL_SEEDS.start, "eval")["seed"] == EVAL_SEEDS.start
    with pytest.raises(ExplainError):
        drill_example(EVAL_SEEDS.start, "train")


def test_decimal_division_digits_are_the_true_quotient():
    from curriculum.solutions.work import decimal_division

    rng = random.Random(5)
    for _ in range(300):
        n, d = rng.randint(0, 20000), rng.randint(1, 150)
        whole, after, value = decimal_division(n, d, 5)
        shown = Fraction(value.replace(r"\ldots", ""))
        exact = Fraction(n, d)
        assert shown <= exact and (value.endswith(r"\ldots") or shown == exact)
        places = len(value.replace(r"\ldots", "").partition(".")[2])
        assert exact - shown < Fraction(1, 10**places)
        for step in whole + after:
            cur, rest = step.split(r" \div ")
            q, _, rem = rest.partition(" = ")[2].partition(r" \text{ r } ")
            assert int(cur) == int(q) * d + int(rem or 0) and int(rem or 0) < d
    assert decimal_division(900, 44, 5)[2] == r"20.454\ldots"


def test_percent_change_uses_long_division_when_the_quotient_does_not_end():
    result = solve("percent", {"a": sp.Integer(44), "b": sp.Integer(53)}, {"kind": "change"})
    assert sp.Rational(result.result) == sp.Rational(900, 44)
    assert any(r"\frac{900}{44} = 20.454\ldots" in s.latex for s in result.steps)


def test_build_corpus_appends_the_drill_share(tmp_path):
    import gzip
    import json

    from curriculum.explain.build import build_corpus

    reports = build_corpus(tmp_path, train_seeds=2, val_seeds=1, families=["ratios"], drill_share=0.2,
                           echo=lambda _: None)
    train = reports["train"]
    assert train.families["drill"] == round(train.families["ratios"] * 0.2 / 0.8) > 0
    with gzip.open(tmp_path / "train.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f]
    assert [r["family"] for r in rows].count("drill") == train.families["drill"]
    assert "drill" not in reports["val"].families
    with pytest.raises(ExplainError):
        build_corpus(tmp_path, train_seeds=1, val_seeds=0, drill_share=1.0)
