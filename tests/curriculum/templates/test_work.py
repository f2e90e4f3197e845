"""Written-out arithmetic (curriculum.solutions.work): every chain is an exact equality, checked with Fraction."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from fractions import Fraction

import pytest
import sympy as sp

from curriculum.explain.drill import KINDS, SOLVER_KINDS, drill_example, drill_examples
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
    ("*", 86, 7, r"$86 \cdot 7 = 80 \cdot 7 + 6 \cdot 7 = 560 + 42 = 560 + 40 + 2 = 600 + 2 = 602$"),
    ("+", 6570, 511, "$6570 + 511 = 6570 + 500 + 10 + 1 = 7070 + 10 + 1 = 7080 + 1 = 7081$"),
    ("+", 58, 927, "$58 + 927 = 927 + 50 + 8 = 977 + 8 = 985$"),
    ("+", 320, 512, "$320 + 512 = 832$"),
    ("*", 7, -3, r"$7 \cdot (-3) = -(7 \cdot 3) = -21$"),
])
def test_worked_examples(op, a, b, expected):
    assert arithmetic_work(op, sp.Integer(a), sp.Integer(b)) == expected


def test_decimal_product_counts_places_and_quotient_uses_long_division():
    work = arithmetic_work("*", sp.Float("6.1", 15), sp.Float("3.8", 15))
    assert r"$61 \cdot 3 = 60 \cdot 3 + 1 \cdot 3 = 180 + 3 = 183$, so $61 \cdot 30 = 1830$" in work
    assert r"$61 \cdot 8 = 60 \cdot 8 + 1 \cdot 8 = 480 + 8 = 488$" in work
    assert (r"61 \cdot 38 = 61 \cdot 30 + 61 \cdot 8 = 1830 + 488 = 1830 + 400 + 80 + 8 = 2230 + 80 + 8 = 2310 + 8"
            r" = 2318") in work
    assert "$1 + 1 = 2$ decimal places" in work and work.endswith("= 23.18$")
    work = arithmetic_work("/", sp.Float("4.69", 15), sp.Float("0.7", 15))
    assert r"46.9 \div 7" in work and work.endswith("= 6.7$")
    # the quotient comes after its digits; every digit is a product and a subtraction; the brought-down digit
    assert work.index(r"so $46 \div 7 = 6 \text{ r } 4$") < work.index(r"so $469 \div 7 = 67$")
    assert r"$42 \le 46 < 49$, so the digit is 6: $6 \cdot 7 = 42$, $46 - 42 = 4$" in work
    assert r"bring down 9 after the remainder 4: $49$" in work
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
    assert {e["template_id"].split(".", 1)[1] for e in examples} == {*KINDS, *SOLVER_KINDS}
    for ex in examples:
        assert ex["family"] == "drill" and ex["response"].rstrip(".").endswith("}$")
        expr = ex["prompt"].split("$")[1]
        boxed = re.search(r"\\boxed\{(.*)\}\$", ex["response"]).group(1)
        if ex["template_id"] == "drill.binomials":
            x = sp.Symbol("x")
            src = expr.replace(r"\left(", "(").replace(r"\right)", ")").replace("^{2}", "**2")
            src = re.sub(r"(\d)\s*x", r"\1*x", src).replace(") (", ")*(")
            got = sp.sympify(re.sub(r"x\^\{2\}", "x**2", re.sub(r"(\d) x", r"\1*x", boxed)).replace(" ", ""))
            assert sp.expand(sp.sympify(src, locals={"x": x}) - got) == 0, (expr, boxed)
            continue
        if ex["template_id"] == "drill.fraction":
            src = re.sub(r"\\frac\{([^}]*)\}\{([^}]*)\}", r'Fraction(\1, \2)', expr)
            src = src.replace(r"\cdot", "*").replace(r"\div", "/")
            want = eval(src, {"Fraction": Fraction})
            got = re.sub(r"\\frac\{([^}]*)\}\{([^}]*)\}", r'Fraction(\1, \2)', boxed)
            assert eval(got, {"Fraction": Fraction}) == want, (expr, boxed)
            continue
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


def test_family_min_seeds_gives_small_families_more_seeds_per_template(tmp_path):
    import gzip
    import json
    from collections import Counter

    from curriculum.explain.build import build_corpus, train_seeds_for

    assert train_seeds_for(3, 1000, 9000) == 3000 and train_seeds_for(9, 1000, 9000) == 1000
    assert train_seeds_for(12, 1000, 9000) == 1000 and train_seeds_for(7, 2, 0) == 2
    assert train_seeds_for(1, 5, 10**9) == 1_000_000  # capped at the training range
    # decimals has 3 templates, ratios 6: with at least 12 pairs per family, 4 and 2 seeds per template
    build_corpus(tmp_path, train_seeds=2, val_seeds=1, families=["decimals", "ratios"], family_min_seeds=12,
                 mistake_rate=0.0, echo=lambda _: None)
    with gzip.open(tmp_path / "train.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f]
    seeds = Counter((r["family"], r["template_id"]) for r in rows)
    assert {n for (fam, _), n in seeds.items() if fam == "decimals"} == {4}
    assert {n for (fam, _), n in seeds.items() if fam == "ratios"} == {2}
    with gzip.open(tmp_path / "val.jsonl.gz", "rt") as f:
        assert Counter(json.loads(line)["template_id"] for line in f).most_common(1)[0][1] == 1
    with pytest.raises(ExplainError):
        build_corpus(tmp_path, train_seeds=1, val_seeds=0, family_min_seeds=-1)


def frac_value(latex: str) -> Fraction:
    r"""Exact value of a chain item that may hold ``\frac{a}{b}`` and ``\left( \right)``."""
    src = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", latex)
    return value(src.replace("((", "( (").replace("))", ") )"))


def test_fraction_chains_are_exact():
    from curriculum.solutions.work import fraction_chain

    rng = random.Random(9)
    checked = 0
    for _ in range(600):
        op = rng.choice("+-*/")
        a = sp.Rational(rng.randint(-30, 30), rng.randint(1, 12))
        b = sp.Rational(rng.randint(-30, 30), rng.randint(1, 12))
        chain = fraction_chain(op, a, b)
        if a.is_Integer and b.is_Integer and (op != "/" or b == 0 or a % b == 0) or op == "/" and b == 0:
            assert chain is None
            continue
        exact = {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]
        if chain is None:
            continue
        items = [frac_value(x.strip()) for x in chain.split(" = ")]
        assert set(items) == {Fraction(int(exact.p), int(exact.q))}, chain
        checked += 1
    assert checked > 450
    assert fraction_chain("-", 7, sp.Rational(32, 3)) == (
        r"7 - \frac{32}{3} = \frac{21}{3} - \frac{32}{3} = \frac{21 - 32}{3} = \frac{-(32 - 21)}{3} = \frac{-11}{3}"
        r" = -\frac{11}{3}")
    assert fraction_chain("-", -8, sp.Rational(-38, 3)).endswith(
        r"= \frac{-24 - (-38)}{3} = \frac{-24 + 38}{3} = \frac{38 - 24}{3} = \frac{14}{3}")
    assert fraction_chain("+", sp.Float(0.5), 1) is None


def test_two_digit_divisors_list_their_multiples():
    text = arithmetic_work("/", sp.Integer(918), sp.Integer(18))
    assert r"$9 \cdot 18 = 162$" in text and r"$91 - 90 = 1$, so $91 \div 18 = 5 \text{ r } 1$" in text
    check_chains(text, Fraction(51))
    text = arithmetic_work("/", sp.Integer(65), sp.Integer(13))
    assert r"$5 \cdot 13 = 65$, so $65 \div 13 = 5$" in text
    check_chains(text, Fraction(5))
    result = solve("percent", {"a": sp.Integer(63), "b": sp.Integer(107)}, {"kind": "change"})
    text = " ".join(s.text for s in result.steps)
    assert r"$6 \cdot 63 = 378$, $440 - 378 = 62$, so $440 \div 63 = 6 \text{ r } 62$" in text


def test_percent_of_and_systems_with_fractions_are_written_out():
    result = solve("percent", {"a": sp.Integer(65), "b": sp.Integer(78)}, {"kind": "of"})
    text = " ".join(s.text for s in result.steps)
    assert r"$65 \cdot 78 = 65 \cdot 70 + 65 \cdot 8 = 4550 + 520 = 4550 + 500 + 20 = 5050 + 20 = 5070$" in text
    assert sp.Rational(result.result) == sp.Rational(507, 10)
    x, y = sp.symbols("x y")
    result = solve("linear_system", {"eq1": sp.Eq(2 * x + 2 * y, 7), "eq2": sp.Eq(x + 4 * y, -2)}, {})
    text = " ".join(s.text + " " + s.latex for s in result.steps)
    assert r"7 - \frac{32}{3} = \frac{21}{3} - \frac{32}{3}" in text
    assert r"$2 \cdot \frac{16}{3} = \frac{2 \cdot 16}{3} = \frac{32}{3}$" in text
    assert r"y = -\frac{11}{3} \div 2 = \frac{-11}{3 \cdot 2} = \frac{-11}{6} = -\frac{11}{6}" in text
    assert result.result == sp.And(sp.Eq(x, sp.Rational(16, 3)), sp.Eq(y, sp.Rational(-11, 6)))


@pytest.mark.parametrize(("method", "given", "params", "products", "collected"), [
    ("rational_op", {"left": 5 / (sp.Symbol("x") - 3), "right": 3 / (sp.Symbol("x") - 5)}, {"op": "+"},
     [r"$5 \left(x - 5\right) = 5 x - 25$", r"$3 \left(x - 3\right) = 3 x - 9$"], "8 x - 34"),
    ("rational_op", {"left": 2 / (sp.Symbol("x") + 1), "right": 5 / (sp.Symbol("x") + 3)}, {"op": "-"},
     [r"$2 \left(x + 3\right) = 2 x + 6$"], "1 - 3 x"),
    ("composition", {"outer": sp.Symbol("x") ** 2 + 1, "inner": 4 * sp.Symbol("x") + 6}, {},
     [r"$\left(4 x + 6\right)^{2} = 16 x^{2} + 24 x + 24 x + 36$"], "16 x^{2} + 48 x + 37"),
])
def test_products_are_multiplied_out_before_collecting(method, given, params, products, collected):
    result = solve(method, given, params)
    steps = [s for s in result.steps if s.text.startswith("Multiply out")]
    assert len(steps) == 1
    for p in products:
        assert p in steps[0].text, steps[0].text
    assert any(s.latex.endswith(collected) for s in result.steps), [s.latex for s in result.steps]


def test_difference_chains_are_exact():
    from curriculum.solutions.work import difference_chain

    rng = random.Random(13)
    for _ in range(400):
        a, b = number(rng, rng.choice((0, 0, 1))), number(rng, rng.choice((0, 0, 1)))
        chain = difference_chain(a, b)
        exact = Fraction(str(as_decimal(a))) - Fraction(str(as_decimal(b)))
        assert {value(x.strip()) for x in chain.split(" = ")} == {exact}, chain
    assert difference_chain(32, 57) == "32 - 57 = -(57 - 32) = -25"
    assert difference_chain(9, -32) == "9 - (-32) = 9 + 32 = 41"
    assert difference_chain(sp.Rational(1, 3), 1) is None


def test_percent_change_writes_out_the_difference():
    result = solve("percent", {"a": sp.Integer(57), "b": sp.Integer(32)}, {"kind": "change"})
    assert result.steps[0].latex == "32 - 57 = -(57 - 32) = -25"
    result = solve("percent", {"a": sp.Integer(57), "b": sp.Integer(113)}, {"kind": "change"})
    assert result.steps[0].latex == "113 - 57 = 113 - 50 - 7 = 63 - 7 = 56"
    result = solve("percent", {"a": sp.Integer(50), "b": sp.Rational(125, 2)}, {"kind": "change"})
    assert result.steps[0].latex == "62.5 - 50 = 62.5 - 50.0 = 12.5"
    assert result.result == 25
    rng = random.Random(3)
    for _ in range(200):
        a, b = rng.randint(30, 90), rng.randint(31, 140)
        if a == b:
            continue
        latex = solve("percent", {"a": sp.Integer(a), "b": sp.Integer(b)}, {"kind": "change"}).steps[0].latex
        assert latex.startswith(f"{b} - {a} = ")
        assert {value(x.strip()) for x in latex.split(" = ")} == {Fraction(b - a)}, latex


def test_long_division_states_the_comparison_that_picks_each_digit():
    text = arithmetic_work("/", sp.Integer(1422), sp.Integer(18))
    assert (r"$126 \le 142 < 144$, so the digit is 7: $7 \cdot 18 = 126$, $142 - 126 = 16$, "
            r"so $142 \div 18 = 7 \text{ r } 16$") in text
    check_chains(text, Fraction(79))
    rng = random.Random(11)
    for _ in range(300):
        d, q = rng.randint(10, 99), rng.randint(10, 999)
        text = arithmetic_work("/", sp.Integer(d * q), sp.Integer(d))
        check_chains(text, Fraction(q))
        for lo, cur, hi, digit in re.findall(r"\$(\d+) \\le (\d+) < (\d+)\$, so the digit is (\d)", text):
            assert int(lo) == int(digit) * d <= int(cur) < int(hi) == (int(digit) + 1) * d
    text = arithmetic_work("/", sp.Integer(469), sp.Integer(7))
    assert r"$42 \le 46 < 49$, so the digit is 6" in text  # one-digit divisors pick digits the same way


def test_line_intercept_writes_out_the_fraction_product():
    result = solve("line_through", {"x1": sp.Integer(4), "y1": sp.Integer(2), "x2": sp.Integer(-2),
                                    "y2": sp.Integer(7)}, {})
    step = next(s for s in result.steps if s.text.startswith("Find the intercept"))
    assert (r"multiply first, $-\frac{5}{6} \cdot 4 = \frac{(-5) \cdot 4}{6} = \frac{-20}{6} = "
            r"\frac{-20 \div 2}{6 \div 2} = -\frac{10}{3}$") in step.text
    x, y = sp.symbols("x y")
    assert result.result == sp.Eq(y, sp.Rational(16, 3) - sp.Rational(5, 6) * x)
    rng = random.Random(4)
    for _ in range(100):
        x1, x2, y1, y2 = (rng.randint(-6, 6) for _ in range(4))
        if x1 == x2:
            continue
        given = {"x1": sp.Integer(x1), "y1": sp.Integer(y1), "x2": sp.Integer(x2), "y2": sp.Integer(y2)}
        step = next(s for s in solve("line_through", given, {}).steps if s.text.startswith("Find the intercept"))
        if "multiply first" not in step.text:
            continue
        chain = step.text.split("multiply first, $")[1].rstrip(".").rstrip("$")
        want = Fraction(y2 - y1, x2 - x1) * x1
        assert {frac_value(v.strip()) for v in chain.split(" = ")} == {want}, chain


def sym_value(latex: str) -> sp.Expr:
    r"""Exact SymPy value of a chain item with numbers, ``\frac``, ``\sqrt``, ``^``, ``\cdot``, ``\div``."""
    src = latex.replace(r"\left", "").replace(r"\right", "").replace(r"\cdot", "*").replace(r"\div", "/")
    src = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", src)
    for _ in range(3):
        src = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", src)
    src = re.sub(r"(\d)\s*sqrt", r"\1*sqrt", src).replace("^", "**")
    if not re.fullmatch(r"[0-9+\-*/() sqrt]+", src):
        raise AssertionError(f"unexpected chain item {latex!r}")
    return sp.nsimplify(sp.sympify(src, rational=True))


def check_equal_items(span: str) -> sp.Expr:
    """All numeric items of an `a = b = ...` span (items with letters skipped) are equal; their value."""
    items = [x.strip() for x in span.split("=")]
    values = {sp.simplify(sym_value(x)) for x in items if not re.search(r"[a-zA-Z]", x.replace(r"\frac", "")
                                                                       .replace(r"\sqrt", "").replace(r"\cdot", "")
                                                                       .replace(r"\div", "").replace(r"\left", "")
                                                                       .replace(r"\right", ""))}
    assert len(values) == 1, (span, values)
    return values.pop()


def test_quadratic_formula_writes_out_the_discriminant_and_both_roots():
    x = sp.Symbol("x")
    result = solve("quadratic", {"equation": sp.Eq(5 * x**2 + 3 * x - 8, 0)}, {"method": "formula"})
    text = " ".join(s.text + " " + s.latex for s in result.steps)
    assert r"$4ac = 4 \cdot 5 \cdot (-8) = 20 \cdot (-8) = -(20 \cdot 8) = -160$" in text
    assert r"9 - (-160) = 9 + 160 = 169" in text
    assert r"$13 \cdot 13 = 169$, so $169$ is a perfect square" in text
    assert r"$-3 - 13 = -(3 + 13) = -16$, then $-16 \div 10 = \frac{-16}{10}" in text
    result = solve("quadratic", {"equation": sp.Eq(x**2 + 4 * x - 8, 0)}, {"method": "formula"})
    text = " ".join(s.text for s in result.steps)
    assert r"$6^2 = 36 < 48 < 49 = 7^2$, so $48$ is not a perfect square" in text
    assert r"$\sqrt{48} = \sqrt{16 \cdot 3} = 4\sqrt{3}$" in text
    assert result.steps[-1].latex == r"x = -2 - 2\sqrt{3},\quad x = -2 + 2\sqrt{3}"
    rng = random.Random(21)
    for _ in range(300):
        a, b, c = rng.randint(1, 5), rng.randint(-9, 9), rng.randint(-9, 9)
        if b * b - 4 * a * c <= 0:
            continue
        result = solve("quadratic", {"equation": sp.Eq(a * x**2 + b * x + c, 0)}, {"method": "formula"})
        disc = next(s for s in result.steps if "discriminant" in s.text)
        spans = maths(disc.text)
        assert check_equal_items(spans[-2]) == b * b and check_equal_items(spans[-1]) == 4 * a * c, disc.text
        assert check_equal_items(disc.latex) == b * b - 4 * a * c, disc.latex
        roots = next(s for s in result.steps if s.text.startswith("Simplify both roots"))
        for span in maths(roots.text):
            if "=" not in span:
                continue
            if "<" in span:
                lo, mid, hi = (check_equal_items(p) for p in span.split("<"))
                assert lo < mid < hi and mid == b * b - 4 * a * c
                continue
            check_equal_items(span.replace(r"\pm", "+"))
            check_equal_items(span.replace(r"\pm", "-"))
        shown = [check_equal_items(line) for line in roots.latex.split(r",\quad ")]
        want = sorted(sp.solve(a * x**2 + b * x + c, x), key=lambda r: float(r))
        assert [sp.simplify(s - w) for s, w in zip(shown, want, strict=True)] == [0, 0], roots.latex


def test_discriminant_solver_writes_out_the_products():
    result = solve("discriminant", {"a": sp.Integer(1), "b": sp.Integer(3), "c": sp.Integer(-8)}, {})
    step = result.steps[1]
    assert r"$b^2 = 3^2 = 3 \cdot 3 = 9$, $4ac = 4 \cdot 1 \cdot (-8) = 4 \cdot (-8) = -(4 \cdot 8) = -32$" in step.text
    assert step.latex.endswith("= 9 - (-32) = 9 + 32 = 41")
    assert result.result == 41
    rng = random.Random(22)
    for _ in range(200):
        a, b, c = rng.randint(1, 5), rng.randint(-9, 9), rng.choice([i for i in range(-9, 10) if i])
        step = solve("discriminant", {"a": sp.Integer(a), "b": sp.Integer(b), "c": sp.Integer(c)}, {}).steps[1]
        assert check_equal_items(step.latex) == b * b - 4 * a * c, step.latex


def test_quotient_rule_multiplies_out_the_numerator():
    x = sp.Symbol("x")
    line = solve("derivative", {"expression": (4 * x + 6) / (x - 1)}, {}).steps[-2].latex
    assert (r"= \frac{4 x - 4 - \left(4 x + 6\right)}{\left(x - 1\right)^2} = \frac{4 x - 4 - 4 x - 6}"
            r"{\left(x - 1\right)^2} = \frac{-10}{\left(x - 1\right)^2}") in line
    rng = random.Random(4)
    for _ in range(60):  # every numerator in the chain is u'v - uv' (checked with SymPy)
        a, b, c, d = (rng.choice([i for i in range(-9, 10) if i]) for _ in range(4))
        u, v = a * x + b, c * x + d
        if sp.simplify(u / v).is_number:
            continue
        line = solve("derivative", {"expression": u / v}, {}).steps[-2].latex
        items = [t for t in line.split(" = ") if t.startswith(r"\frac{") and t.endswith(r"\right)^2}")][1:]
        numerators = [t[len(r"\frac{"):t.index(r"}{\left(")] for t in items]
        assert len(numerators) >= 2, line
        for num in numerators:
            parsed = sp.sympify(num.replace(r"\left(", "(").replace(r"\right)", ")").replace(" x", "*x"))
            assert sp.expand(parsed - (sp.diff(u, x) * v - u * sp.diff(v, x))) == 0, (num, line)
