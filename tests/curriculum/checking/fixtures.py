"""The checker fixture table: every row is a labelled (test, options, student, teacher) case with
its expected verdict and answer note. ``test_fixtures.py`` runs it; ``scripts/render_checking_docs.py``
renders it into docs/checking.md, so the table is also the authors' reference.

``score`` is 1 (correct), 0 (valid but wrong) or ``None`` (invalid input: ``valid=False``).
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Row(NamedTuple):
    test: str
    options: dict[str, Any] | None
    student: str
    teacher: str
    score: int | None
    note: str
    comment: str = ""
    input_format: str = "text"
    locale: str = "en"


GLOBAL_NOTES = ("PARSE_", "DIVISION_BY_ZERO", "TOO_LARGE", "TOO_COMPLEX", "BAD_", "CAS_ERROR", "TIMEOUT")


def _rows(test: str, options: dict[str, Any] | None, teacher: str, cases: list[tuple[Any, ...]]) -> list[Row]:
    """cases: (student, score, note, comment?); a note without a global prefix is ``<TEST>_<note>``."""
    out = []
    for student, score, note, *rest in cases:
        full = note if note.startswith(GLOBAL_NOTES) else f"{test.upper()}_{note}"
        out.append(Row(test, options, student, teacher, score, full, rest[0] if rest else ""))
    return out


P = None  # invalid-input marker for readability

ROWS: list[Row] = []

# ----------------------------------------------------------------------------------- AlgEquiv
ROWS += _rows("AlgEquiv", None, "2*(x+1)", [
    ("2x+2", 1, "TRUE", "implicit multiplication"),
    ("2(x+1)", 1, "TRUE", "implicit multiplication before a bracket"),
    ("2*x+2", 1, "TRUE"),
    ("x+1+x+1", 1, "TRUE"),
    ("(x+1)*2", 1, "TRUE"),
    ("2x+1", 0, "FALSE"),
    ("2x", 0, "FALSE"),
    ("2(x-1)", 0, "FALSE"),
    ("x+2", 0, "FALSE"),
    ("4(x+1)/2", 1, "TRUE"),
    ("", P, "PARSE_EMPTY", "empty input"),
    ("   ", P, "PARSE_EMPTY", "only spaces"),
    ("2(x+1", P, "PARSE_MISSING_CLOSE_PAREN", "missing closing parenthesis"),
    ("2x+1)", P, "PARSE_UNEXPECTED_CLOSE"),
    ("2x+", P, "PARSE_MISSING_OPERAND", "trailing operator"),
    ("2*/x", P, "PARSE_DOUBLE_OPERATOR"),
    ("2y+2", P, "PARSE_UNKNOWN_SYMBOL", "unknown variable 'y'"),
    ("2X+2", P, "PARSE_WRONG_CASE", "variables are case-sensitive"),
    ("2x+2=0", 0, "WRONG_TYPE", "an equation where an expression is expected"),
    ("2 x + 2", 1, "TRUE", "spaces"),
    ("2·x+2", 1, "TRUE", "unicode middle dot"),
    ("2×(x+1)", 1, "TRUE", "unicode times"),
    ("2x−(−2)", 1, "TRUE", "unicode minus"),
    ("２x+２", 1, "TRUE", "full-width digits"),
    ("2x+2$", P, "PARSE_BAD_CHAR"),
    ("2x+2;", P, "PARSE_MISSING_OPERAND"),
])
ROWS += _rows("AlgEquiv", None, "(x+1)^2", [
    ("x^2+2x+1", 1, "TRUE"),
    ("x**2+2*x+1", 1, "TRUE", "Python power"),
    ("x²+2x+1", 1, "TRUE", "unicode superscript"),
    ("(x+1)(x+1)", 1, "TRUE"),
    ("(1+x)^2", 1, "TRUE"),
    ("(-x-1)^2", 1, "TRUE"),
    ("x^2+1", 0, "FALSE", "forgot the middle term"),
    ("x^2+x+1", 0, "FALSE"),
    ("x^2+2x+1.0001", 0, "FALSE", "close but not equal"),
    ("(x+1)^3/(x+1)", 1, "TRUE", "equal where defined"),
])
ROWS += _rows("AlgEquiv", None, "1/2", [
    ("0.5", 1, "TRUE", "exact decimal equals the fraction"),
    ("2/4", 1, "TRUE"),
    ("1/2", 1, "TRUE"),
    ("0.50", 1, "TRUE"),
    (".5", 1, "TRUE", "leading decimal point"),
    ("0.4999", 0, "FALSE"),
    ("1/0", P, "DIVISION_BY_ZERO", "division by zero"),
    ("0/0", P, "DIVISION_BY_ZERO"),
    ("1/(1-1)", P, "DIVISION_BY_ZERO"),
    ("sin(pi/6)", 1, "TRUE"),
    ("cos(pi/3)", 1, "TRUE"),
    ("1/2+0*x", P, "PARSE_UNKNOWN_SYMBOL", "no variables in a numeric answer"),
    ("e^(ln(1/2))", 1, "TRUE"),
    ("2^(-1)", 1, "TRUE"),
    ("2^-1", 1, "TRUE", "unary minus in an exponent"),
    ("½", 1, "TRUE", "vulgar fraction character"),
])
ROWS += _rows("AlgEquiv", None, "1/3", [
    ("0.333", 0, "FALSE", "float vs exact: a rounded decimal is not equal"),
    ("0.3333333333", 0, "FALSE"),
    ("2/6", 1, "TRUE"),
    ("1÷3", 1, "TRUE", "unicode division"),
    ("3^-1", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "sqrt(2)", [
    ("2^(1/2)", 1, "TRUE"),
    ("√2", 1, "TRUE", "unicode root"),
    ("sqrt(8)/2", 1, "TRUE"),
    ("1.414", 0, "FALSE"),
    ("1.4142135623730950488", 0, "FALSE", "20 digits is still not exact"),
    ("sqrt(2", P, "PARSE_MISSING_CLOSE_PAREN"),
    ("2/sqrt(2)", 1, "TRUE"),
    ("root(2, 2)", 1, "TRUE"),
    ("abs(-sqrt(2))", 1, "TRUE"),
    ("|-sqrt(2)|", 1, "TRUE", "absolute value bars"),
])
ROWS += _rows("AlgEquiv", None, "sin(x)", [
    ("sin(x)", 1, "TRUE"),
    ("sinx", P, "PARSE_UNKNOWN_FUNCTION", "did you mean sin(x)?"),
    ("sin x", 1, "TRUE", "function without brackets (parse warning)"),
    ("Sin(x)", 1, "TRUE", "function names are case-insensitive (warning)"),
    ("cos(pi/2-x)", 1, "TRUE"),
    ("sin(x+2pi)", 1, "TRUE"),
    ("-sin(-x)", 1, "TRUE"),
    ("cos(x)", 0, "FALSE"),
    ("sin(x)^2", 0, "FALSE"),
    ("sin(x,x)", P, "PARSE_WRONG_ARITY"),
    ("sin()", P, "PARSE_MISSING_ARGUMENT"),
    ("sine(x)", P, "PARSE_UNKNOWN_FUNCTION"),
    ("f(x)", P, "PARSE_UNKNOWN_FUNCTION"),
    ("2sin(x)/2", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "sin(x)^2+cos(x)^2", [
    ("1", 1, "TRUE", "trig identity"),
    ("sin^2(x)+cos^2(x)", 1, "TRUE", "sin^2(x) notation"),
    ("2", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "2*sin(x)*cos(x)", [
    ("sin(2x)", 1, "TRUE", "double-angle identity"),
    ("2 sin x cos x", 1, "TRUE", "function application without brackets"),
    ("sin(x)cos(x)", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "e^(2*x)", [
    ("exp(2x)", 1, "TRUE"),
    ("(e^x)^2", 1, "TRUE"),
    ("e^x*e^x", 1, "TRUE"),
    ("e^(2x)", 1, "TRUE"),
    ("2e^x", 0, "FALSE"),
    ("E^(2x)", 0, "FALSE", "E is not e: unknown variable? no - E is not allowed"),
])
ROWS[-1] = Row("AlgEquiv", None, "E^(2x)", "e^(2*x)", None, "PARSE_UNKNOWN_SYMBOL", "capital E is not Euler's number")
ROWS += _rows("AlgEquiv", None, "ln(x)", [
    ("log(x)", 1, "TRUE", "log is the natural logarithm"),
    ("ln x", 1, "TRUE"),
    ("lnx", P, "PARSE_UNKNOWN_FUNCTION"),
    ("log(x, e)", 1, "TRUE", "log with a base"),
    ("ln(x^2)/2", 0, "FALSE", "not equal for negative x (over the reals)"),
    ("log10(x)", 0, "FALSE"),
])
ROWS += [Row("AlgEquiv", {"positive": True}, "ln(x^2)/2", "ln(x)", 1, "ALGEQUIV_TRUE", "equal for positive x")]
ROWS += [Row("AlgEquiv", {"positive": True}, "sqrt(x^2)", "x", 1, "ALGEQUIV_TRUE", "positive variables")]
ROWS += [Row("AlgEquiv", None, "sqrt(x^2)", "x", 0, "ALGEQUIV_FALSE", "sqrt(x^2) = |x| over the reals")]
ROWS += [Row("AlgEquiv", {"positive": True}, "x^2>4", "x>2", 1, "ALGEQUIV_TRUE", "x^2 > 4 means x > 2 for positive x")]
ROWS += [Row("AlgEquiv", None, "sqrt(x^2)", "abs(x)", 1, "ALGEQUIV_TRUE")]
ROWS += _rows("AlgEquiv", None, "x*y", [
    ("xy", 1, "TRUE", "juxtaposed variable names (warning)"),
    ("yx", 1, "TRUE"),
    ("x y", 1, "TRUE"),
    ("x*y*1", 1, "TRUE"),
    ("xyz", P, "PARSE_UNKNOWN_SYMBOL"),
])
ROWS += _rows("AlgEquiv", None, "x_1+x_2", [
    ("x_1+x_2", 1, "TRUE"),
    ("x1+x2", 1, "TRUE", "x1 read as x_1 (warning)"),
    ("x_2+x_1", 1, "TRUE"),
    ("x_1+x_3", P, "PARSE_UNKNOWN_SYMBOL"),
    ("x+x_2", P, "PARSE_UNKNOWN_SYMBOL"),
])
ROWS += _rows("AlgEquiv", None, "x1", [
    ("x1", 1, "TRUE", "a teacher may name a variable x1"),
    ("x_1", P, "PARSE_UNKNOWN_SYMBOL", "x_1 is a different name"),
])
ROWS += _rows("AlgEquiv", None, "theta^2", [
    ("θ^2", 1, "TRUE", "Greek letter"),
    ("theta*theta", 1, "TRUE"),
    ("θ²", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "pi*r^2", [
    ("πr^2", 1, "TRUE"),
    ("pi r^2", 1, "TRUE"),
    ("r^2 pi", 1, "TRUE"),
    ("3.14r^2", 0, "FALSE"),
    ("2pi r", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "(x^2-1)/(x-1)", [
    ("x+1", 1, "TRUE", "equal except at a removable point"),
    ("x-1", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "x/2", [
    ("1/2x", 1, "TRUE", "1/2x is (1/2)*x (ambiguity warning)"),
    ("x/2", 1, "TRUE"),
    ("0.5x", 1, "TRUE"),
    ("(1/2)x", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "5!", [
    ("120", 1, "TRUE"),
    ("factorial(5)", 1, "TRUE"),
    ("5*4*3*2", 1, "TRUE"),
    ("(-1)!", P, "DIVISION_BY_ZERO", "factorial of a negative integer"),
    ("1000!", P, "TOO_LARGE"),
])
ROWS += _rows("AlgEquiv", None, "abs(x-1)", [
    ("|x-1|", 1, "TRUE"),
    ("|1-x|", 1, "TRUE"),
    ("x-1", 0, "FALSE"),
    ("|x-1", P, "PARSE_MISSING_CLOSE_BAR"),
    ("sqrt((x-1)^2)", 1, "TRUE"),
])
# equations, inequalities, solution sets, intervals
ROWS += _rows("AlgEquiv", {"allowed_symbols": ["y"]}, "y=2x+1", [
    ("y=2x+1", 1, "TRUE"),
    ("2x+1=y", 1, "TRUE", "sides swapped"),
    ("2y=4x+2", 1, "TRUE", "multiplied by a constant"),
    ("y-2x-1=0", 1, "TRUE"),
    ("y=2x-1", 0, "FALSE"),
    ("y=2x+1=3", P, "PARSE_CHAINED_RELATION"),
    ("2x+1", 0, "WRONG_TYPE", "an expression where an equation is expected"),
    ("y>2x+1", 0, "WRONG_TYPE"),
])
ROWS += _rows("AlgEquiv", None, "x=2 or x=-3", [
    ("x=-3 or x=2", 1, "TRUE", "order of solutions does not matter"),
    ("x=2, x=-3", 1, "TRUE", "comma-separated solutions"),
    ("{2,-3}", 1, "TRUE", "set of solutions"),
    ("{-3, 2}", 1, "TRUE"),
    ("x^2+x-6=0", 1, "TRUE", "same solution set"),
    ("(x-2)(x+3)=0", 1, "TRUE"),
    ("x=2", 0, "FALSE", "missing a solution"),
    ("x=2 or x=3", 0, "FALSE"),
    ("x=2 or x=-3 or x=0", 0, "FALSE"),
    ("{2,-3,2}", 1, "TRUE", "repeated element"),
    ("x=2 or", P, "PARSE_MISSING_OPERAND"),
])
ROWS += _rows("AlgEquiv", None, "x>2", [
    ("2<x", 1, "TRUE"),
    ("x-2>0", 1, "TRUE"),
    ("-x<-2", 1, "TRUE", "multiplying by -1 flips the sign"),
    ("2x>4", 1, "TRUE"),
    ("x>=2", 0, "FALSE", "strict vs non-strict"),
    ("x<2", 0, "FALSE"),
    ("x>3", 0, "FALSE"),
    ("x≥2", 0, "FALSE", "unicode >="),
    ("(2, oo)", 1, "TRUE", "interval notation"),
    ("(2, ∞)", 1, "TRUE"),
    ("[2, oo)", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "1 < x <= 3", [
    ("x>1 and x<=3", 1, "TRUE"),
    ("(1, 3]", 1, "TRUE"),
    ("3>=x>1", 1, "TRUE"),
    ("[1, 3]", 0, "FALSE"),
    ("1<x<3", 0, "FALSE"),
    ("1<x>3", P, "PARSE_CHAINED_RELATION"),
])
ROWS += _rows("AlgEquiv", None, "x^2 > 4", [
    ("x<-2 or x>2", 1, "TRUE", "nonlinear inequality as a real set"),
    ("abs(x)>2", 1, "TRUE"),
    ("x>2", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "(-oo, 1) U (2, oo)", [
    ("(-oo,1) U (2,oo)", 1, "TRUE", "union of intervals"),
    ("(2,oo) ∪ (-oo,1)", 1, "TRUE"),
    ("(-oo,1]U(2,oo)", 0, "FALSE"),
    ("(-oo,2)", 0, "FALSE"),
])
ROWS += _rows("AlgEquiv", None, "[1, 5)", [
    ("[1,5)", 1, "TRUE"),
    ("[1,5]", 0, "FALSE"),
    ("(1,5)", 0, "FALSE"),
    ("[2/2, 10/2)", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "[1, 2, 3]", [
    ("[1,2,3]", 1, "TRUE", "list"),
    ("[3,2,1]", 0, "LIST_ENTRIES", "lists are ordered"),
    ("[1,2]", 0, "LIST_LENGTH"),
    ("1, 2, 3", 1, "TRUE", "bare comma list read as the expected list"),
    ("[1,2,3", P, "PARSE_MISSING_CLOSE_PAREN"),
    ("[1,2,3)", P, "PARSE_MISMATCHED_BRACKETS"),
    ("[2/2, 4/2, 3]", 1, "TRUE"),
])
ROWS += _rows("AlgEquiv", None, "{1, 2, 3}", [
    ("{3,2,1}", 1, "TRUE", "sets are unordered"),
    ("{1,2}", 0, "SET_MISSING"),
    ("{1,2,3,4}", 0, "SET_EXTRA"),
    ("{1,2,4}", 0, "SET_WRONG"),
    ("3, 1, 2", 1, "TRUE"),
    ("{1,2,3", P, "PARSE_MISSING_CLOSE_PAREN"),
    ("{}", 0, "SET_MISSING"),
])
ROWS += _rows("AlgEquiv", None, "(1, 2)", [
    ("(1,2)", 1, "TRUE", "a point/tuple (or open interval)"),
    ("(2,1)", 0, "LIST_ENTRIES", "a teacher tuple is compared entry by entry"),
])
ROWS += [
    Row("AlgEquiv", None, "x^2/2", "x^2/2", 1, "ALGEQUIV_TRUE", "typed text"),
    Row("AlgEquiv", None, r"\frac{x^{2}}{2}", "x^2/2", 1, "ALGEQUIV_TRUE", "MathLive LaTeX", "latex"),
    Row("AlgEquiv", None, r"\frac12x^2", "x^2/2", 1, "ALGEQUIV_TRUE", "LaTeX \\frac12 without braces", "latex"),
    Row("AlgEquiv", None, r"\sqrt{x}", "sqrt(x)", 1, "ALGEQUIV_TRUE", "LaTeX root", "latex"),
    Row("AlgEquiv", None, r"\sqrt[3]{x}", "x^(1/3)", 1, "ALGEQUIV_TRUE", "LaTeX n-th root", "latex"),
    Row("AlgEquiv", None, r"\left(x+1\right)^{2}", "(x+1)^2", 1, "ALGEQUIV_TRUE", "\\left( \\right)", "latex"),
    Row("AlgEquiv", None, r"2\cdot x", "2x", 1, "ALGEQUIV_TRUE", "\\cdot", "latex"),
    Row("AlgEquiv", None, r"\sin\left(x\right)", "sin(x)", 1, "ALGEQUIV_TRUE", "\\sin", "latex"),
    Row("AlgEquiv", None, r"\pi", "pi", 1, "ALGEQUIV_TRUE", "\\pi", "latex"),
    Row("AlgEquiv", None, r"x_{1}", "x_1", 1, "ALGEQUIV_TRUE", "LaTeX subscript", "latex"),
    Row("AlgEquiv", None, r"x\le 3", "x<=3", 1, "ALGEQUIV_TRUE", "\\le", "latex"),
    Row("AlgEquiv", None, r"\frac{1}{2", "1/2", None, "PARSE_MISSING_CLOSE_PAREN", "unclosed brace", "latex"),
    Row("AlgEquiv", None, r"\input{/etc/passwd}", "1", None, "PARSE_LATEX_UNKNOWN_COMMAND", "unknown command", "latex"),
    Row("AlgEquiv", None, r"\frac{1}{0}", "1", None, "DIVISION_BY_ZERO", "", "latex"),
    Row("AlgEquiv", None, r"\left|x\right|", "abs(x)", 1, "ALGEQUIV_TRUE", "LaTeX absolute value", "latex"),
    Row("AlgEquiv", None, r"e^{2x}", "exp(2x)", 1, "ALGEQUIV_TRUE", "", "latex"),
    Row("AlgEquiv", None, r"3\times4", "12", 1, "ALGEQUIV_TRUE", "\\times", "latex"),
    Row("AlgEquiv", None, r"\dfrac{3}{4}", "0.75", 1, "ALGEQUIV_TRUE", "\\dfrac", "latex"),
    # locales
    Row("AlgEquiv", None, "2,5", "5/2", 1, "ALGEQUIV_TRUE", "decimal comma (de)", "text", "de"),
    Row("AlgEquiv", None, "2,5x", "5x/2", 1, "ALGEQUIV_TRUE", "decimal comma (fr)", "text", "fr"),
    Row("AlgEquiv", None, "{1,5; 2}", "{3/2, 2}", 1, "ALGEQUIV_TRUE", "';' separates, ',' is decimal (de)", "text", "de"),
    Row("AlgEquiv", None, "2,5", "5/2", 0, "ALGEQUIV_WRONG_TYPE", "in English '2,5' is a list of two numbers"),
    Row("AlgEquiv", None, "2.5", "5/2", 1, "ALGEQUIV_TRUE", "a decimal point also works in de", "text", "de"),
    # adversarial input
    Row("AlgEquiv", None, "__import__('os').system('ls')", "1", None, "PARSE_FORBIDDEN_NAME", "dunder names"),
    Row("AlgEquiv", None, "x.__class__", "x", None, "PARSE_BAD_CHAR", "attribute access"),
    Row("AlgEquiv", None, "().__class__.__bases__[0]", "1", None, "PARSE_BAD_CHAR", "attribute access"),
    Row("AlgEquiv", None, "eval('1')", "1", None, "PARSE_BAD_CHAR", "quotes are not allowed"),
    Row("AlgEquiv", None, "exec(x)", "x", None, "PARSE_UNKNOWN_FUNCTION", "not an allowed function"),
    Row("AlgEquiv", None, "lambda: 1", "1", None, "PARSE_BAD_CHAR"),
    Row("AlgEquiv", None, "Symbol('x')", "x", None, "PARSE_BAD_CHAR"),
    Row("AlgEquiv", None, "x;import os", "x", None, "PARSE_UNKNOWN_SYMBOL", "';' starts a second item"),
    Row("AlgEquiv", None, "9**9**9**9", "1", None, "TOO_LARGE", "power tower refused before evaluation"),
    Row("AlgEquiv", None, "9^9^9", "1", None, "TOO_LARGE"),
    Row("AlgEquiv", None, "((9^9)^9999)^9999", "1", None, "TOO_LARGE", "reassociated tower"),
    Row("AlgEquiv", None, "2^(10^10)", "1", None, "TOO_LARGE"),
    Row("AlgEquiv", None, "10^(-960000000)", "0", None, "TOO_LARGE", "STACK issue #200"),
    Row("AlgEquiv", None, "(13/10)^6472416997", "1", None, "TOO_LARGE", "sympy#22450"),
    Row("AlgEquiv", None, "4^(123456789/2)", "1", None, "TOO_LARGE", "sympy#21762"),
    Row("AlgEquiv", None, "sqrt(2)^(10^9)", "1", None, "TOO_LARGE", "irrational base"),
    Row("AlgEquiv", None, "(x+1)^100000", "x", None, "TOO_LARGE", "huge symbolic exponent"),
    Row("AlgEquiv", None, "2^100", "1267650600228229401496703205376", 1, "ALGEQUIV_TRUE", "big but fine"),
    Row("AlgEquiv", None, "(" * 200 + "x" + ")" * 200, "x", None, "PARSE_TOO_DEEP", "deeply nested brackets"),
    Row("AlgEquiv", None, "-" * 200 + "x", "x", None, "PARSE_TOO_DEEP", "many unary minuses"),
    Row("AlgEquiv", None, "x" + "+x" * 300, "301x", None, "PARSE_TOO_COMPLEX", "too many nodes"),
    Row("AlgEquiv", None, "x" + "+x" * 600, "601x", None, "PARSE_TOO_LONG", "over 1000 characters"),
    Row("AlgEquiv", None, "1" * 100_000, "1", None, "PARSE_TOO_LONG", "100 kB input"),
    Row("AlgEquiv", None, "1" * 80, "1", None, "PARSE_NUMBER_TOO_LONG", "80-digit literal"),
    Row("AlgEquiv", None, "x\x00", "x", None, "PARSE_BAD_CHAR", "NUL byte"),
    Row("AlgEquiv", None, "x\u202e1", "x", None, "PARSE_BAD_CHAR", "bidi override"),
    Row("AlgEquiv", None, "1..2", "1", None, "PARSE_BAD_NUMBER"),
    Row("AlgEquiv", None, "1.2.3", "1", None, "PARSE_BAD_NUMBER"),
    Row("AlgEquiv", None, "2 3", "6", None, "PARSE_NUMBER_NUMBER", "two numbers side by side"),
    Row("AlgEquiv", None, "x_", "x", None, "PARSE_FORBIDDEN_NAME"),
    Row("AlgEquiv", None, "a" * 40, "a", None, "PARSE_NAME_TOO_LONG"),
    Row("AlgEquiv", None, "||", "0", None, "PARSE_EMPTY_BRACKETS"),
    Row("AlgEquiv", None, "()", "0", None, "PARSE_EMPTY_BRACKETS"),
    Row("AlgEquiv", None, "x^", "x", None, "PARSE_MISSING_OPERAND"),
    Row("AlgEquiv", None, "=x", "x", None, "PARSE_MISSING_OPERAND"),
    Row("AlgEquiv", None, "x}", "x", None, "PARSE_UNEXPECTED_CLOSE"),
    Row("AlgEquiv", None, "oo", "oo", 1, "ALGEQUIV_TRUE", "infinity"),
    Row("AlgEquiv", None, "i^2", "-1", 1, "ALGEQUIV_TRUE", "imaginary unit"),
    # red-team regressions (docs/security.md)
    Row("AlgEquiv", None, "\\frac" * 700 + "12", "1", None, "PARSE_TOO_DEEP",
        "LaTeX commands nested as arguments (was an uncaught RecursionError)", "latex"),
    Row("AlgEquiv", None, "\\sqrt" * 79 + "x", "x", None, "PARSE_TOO_DEEP", "", "latex"),
    Row("AlgEquiv", None, "1" * 5000, "1", None, "PARSE_TOO_LONG", "refused before the verdict cache"),
    Row("AlgEquiv", None, "0.3333333333333 sin(x)", "sin(x)/3", 0, "ALGEQUIV_FALSE",
        "a 13-digit rounded decimal is not exact, with functions too"),
    Row("AlgEquiv", None, "sin(x) + 10^(-20)", "sin(x)", 0, "ALGEQUIV_FALSE", "a tiny added constant"),
    Row("AlgEquiv", None, "sin(x)*(1 + 10^(-40))", "sin(x)", 0, "ALGEQUIV_FALSE", "a tiny relative error"),
    Row("AlgEquiv", {"positive": True}, "e^(1000x) + 1", "e^(1000x)", 0, "ALGEQUIV_FALSE",
        "a difference hidden by a huge value"),
    Row("AlgEquiv", None, "0.3333333333333 sin(x) = y", "y = sin(x)/3", 0, "ALGEQUIV_FALSE",
        "the same for equations (ratio test)"),
    Row("AlgEquiv", None, "sin(x)/3", "sin(x)/3", 1, "ALGEQUIV_TRUE"),
    Row("AlgEquiv", None, "1/3 sin(x)", "sin(x)/3", 1, "ALGEQUIV_TRUE", "exact coefficient"),
    Row("AlgEquiv", None, "0.1+0.2", "0.3", 1, "ALGEQUIV_TRUE", "decimals are exact: 0.1 + 0.2 = 0.3"),
    Row("AlgEquiv", None, "-0", "0", 1, "ALGEQUIV_TRUE", "minus zero"),
    Row("AlgEquiv", None, "cbrt(-8)", "-2", 1, "ALGEQUIV_TRUE", "real cube root (was principal: complex)"),
    Row("AlgEquiv", None, "(-8)^(1/3)", "-2", 1, "ALGEQUIV_TRUE", "odd roots of negatives are real"),
    Row("AlgEquiv", None, "(-8)^(2/3)", "4", 1, "ALGEQUIV_TRUE", "((-8)^(1/3))^2"),
    Row("AlgEquiv", None, "root(-32, 5)", "-2", 1, "ALGEQUIV_TRUE"),
    Row("AlgEquiv", None, "(-8)^(2/3)", "-4", 0, "ALGEQUIV_FALSE"),
    Row("AlgEquiv", None, "x = 1 ± 2", "x = 3 or x = -1", None, "PARSE_BAD_CHAR", "± is refused with a hint"),
    Row("AlgEquiv", None, "x = 1 \\pm 2", "x = 3", None, "PARSE_BAD_CHAR",
        "LaTeX \\pm was read as + (a wrong 'correct')", "latex"),
    Row("AlgEquiv", None, "{1, 1, 2}", "{1, 2}", 1, "ALGEQUIV_TRUE", "duplicates in a set do not matter"),
    Row("AlgEquiv", None, "-2x > -4", "x < 2", 1, "ALGEQUIV_TRUE", "inequality scaled by a negative number"),
    Row("AlgEquiv", None, "-2x < -4", "x < 2", 0, "ALGEQUIV_FALSE", "scaling by a negative flips the sign"),
    Row("AlgEquiv", None, "0 = 0", "x = 2", 0, "ALGEQUIV_FALSE", "an equation scaled by zero"),
]

# -------------------------------------------------------------------------------- EqualComAss
ROWS += _rows("EqualComAss", None, "x+2", [
    ("x+2", 1, "TRUE"),
    ("2+x", 1, "TRUE", "commutativity"),
    ("(2)+x", 1, "TRUE", "redundant brackets"),
    ("1+1+x", 0, "FALSE", "equivalent but not the same form"),
    ("x+3", 0, "NOT_EQUIV"),
])
ROWS += _rows("EqualComAss", None, "2*x*y", [
    ("2xy", 1, "TRUE"),
    ("y*x*2", 1, "TRUE"),
    ("(2x)y", 1, "TRUE", "associativity"),
    ("2(xy)", 1, "TRUE"),
    ("x*y+x*y", 0, "FALSE"),
])
ROWS += _rows("EqualComAss", None, "1/2", [
    ("1/2", 1, "TRUE"),
    ("2/4", 0, "FALSE", "not in the same form"),
    ("0.5", 0, "FALSE", "a decimal is a different form"),
])
ROWS += _rows("EqualComAss", None, "x-y", [
    ("-y+x", 1, "TRUE", "a - b = a + (-b)"),
    ("x-y", 1, "TRUE"),
    ("y-x", 0, "NOT_EQUIV"),
])
ROWS += _rows("EqualComAss", None, "2^2*3", [
    ("3*2^2", 1, "TRUE", "factorisation of integers"),
    ("2*2*3", 0, "FALSE", "STACK: 2^2*3 and 2*2*3 differ"),
    ("12", 0, "FALSE"),
])
ROWS += _rows("EqualComAss", {"allowed_symbols": ["y"]}, "y=x+1", [
    ("x+1=y", 1, "TRUE", "the sides of an equation may be swapped"),
    ("y=1+x", 1, "TRUE"),
    ("y-1=x", 0, "FALSE"),
])

# ---------------------------------------------------------------------------------- CasEqual
ROWS += _rows("CasEqual", None, "2*x", [
    ("x+x", 1, "TRUE", "automatic simplification combines like terms"),
    ("2x", 1, "TRUE"),
    ("x*2", 1, "TRUE"),
    ("4x/2", 1, "TRUE"),
    ("3x-x", 1, "TRUE"),
    ("2(x+0)", 1, "TRUE"),
])
ROWS += _rows("CasEqual", None, "x^2+2*x+1", [
    ("(x+1)^2", 0, "FALSE", "no expansion"),
    ("1+2x+x^2", 1, "TRUE"),
    ("x^2+2x+1", 1, "TRUE"),
])
ROWS += _rows("CasEqual", None, "sin(x)^2+cos(x)^2", [
    ("1", 0, "FALSE", "no trigonometric simplification"),
    ("cos(x)^2+sin(x)^2", 1, "TRUE"),
])
ROWS += _rows("CasEqual", None, "1/2", [
    ("0.5", 1, "TRUE", "decimals are exact rationals"),
    ("2/4", 1, "TRUE"),
])

# ---------------------------------------------------------------------------------- SameType
ROWS += _rows("SameType", {"allowed_symbols": ["y"]}, "y=2x", [
    ("x=3", 1, "TRUE", "both equations"),
    ("y=x^2", 1, "TRUE"),
    ("2x", 0, "FALSE"),
    ("y>2x", 0, "FALSE"),
    ("{2}", 0, "FALSE"),
])
ROWS += _rows("SameType", None, "[1, 2, 3]", [
    ("[4,5,6]", 1, "TRUE", "values are not compared"),
    ("[1,2]", 0, "FALSE", "different length"),
    ("{1,2,3}", 0, "FALSE"),
    ("1, 2, 3", 0, "FALSE", "a bare comma list is not a bracketed list"),
])
ROWS += _rows("SameType", None, "x^2", [
    ("3", 1, "TRUE", "numbers are expressions"),
    ("sin(x)", 1, "TRUE"),
    ("x=1", 0, "FALSE"),
])
ROWS += _rows("SameType", None, "{1, 2}", [
    ("{5}", 1, "TRUE"),
    ("[1,2]", 0, "FALSE"),
])

# -------------------------------------------------------------------------------- SubstEquiv
ROWS += _rows("SubstEquiv", None, "x^2+y", [
    ("a^2+b", 1, "TRUE", "rename x->a, y->b"),
    ("y^2+x", 1, "TRUE", "swapped names"),
    ("t^2+s", 1, "TRUE"),
    ("a^2+a", 0, "FALSE", "one variable where two are needed"),
    ("a^3+b", 0, "FALSE"),
    ("x^2+y", 1, "TRUE"),
])
ROWS += _rows("SubstEquiv", None, "2*x+1", [
    ("2t+1", 1, "TRUE"),
    ("2theta+1", 1, "TRUE"),
    ("2t+2", 0, "FALSE"),
    ("2(t", P, "PARSE_MISSING_CLOSE_PAREN"),
])
ROWS += _rows("SubstEquiv", None, "y=m*x+c", [
    ("b=a*t+d", 1, "TRUE", "equations are renamed too"),
    ("y=mx+c", 1, "TRUE", "mx read as m*x"),
])

# ---------------------------------------------------------------------------------- SysEquiv
ROWS += _rows("SysEquiv", None, "[x=2, y=1]", [
    ("[x+y=3, x-y=1]", 1, "TRUE", "same solution"),
    ("[y=1, x=2]", 1, "TRUE"),
    ("[x=2, y=1]", 1, "TRUE"),
    ("x+y=3 and x-y=1", 1, "TRUE", "'and' joins equations"),
    ("[x+y=3]", 0, "EXTRA_SOLUTIONS", "one equation: a whole line of solutions"),
    ("[x=2, y=1, x+y=4]", 0, "MISSING_SOLUTIONS", "inconsistent system"),
    ("[x=1, y=2]", 0, "FALSE"),
    ("x+y", 0, "WRONG_TYPE"),
    ("[x=sin(y), y=1]", 0, "NOT_POLYNOMIAL"),
])
ROWS += _rows("SysEquiv", None, "[x^2=4]", [
    ("[(x-2)(x+2)=0]", 1, "TRUE"),
    ("[x=2]", 0, "MISSING_SOLUTIONS"),
])

# -------------------------------------------------------------------------------------- Sets
ROWS += _rows("Sets", {"allowed_symbols": ["x"]}, "{2, -3}", [
    ("{2,-3}", 1, "TRUE"),
    ("{-3,2}", 1, "TRUE"),
    ("2, -3", 1, "TRUE", "bare list"),
    ("x=2 or x=-3", 1, "TRUE", "solutions as equations"),
    ("{2}", 0, "MISSING"),
    ("{2,-3,5}", 0, "EXTRA"),
    ("{2,3}", 0, "WRONG"),
    ("{4/2, -6/2}", 1, "TRUE"),
    ("{2,2,-3}", 1, "TRUE", "repeats ignored"),
    ("[2,-3]", 0, "WRONG_TYPE"),
    ("x>2", 0, "WRONG_TYPE"),
    ("{2,-3", P, "PARSE_MISSING_CLOSE_PAREN"),
])
ROWS += _rows("Sets", None, "{sqrt(2), -sqrt(2)}", [
    ("{2^(1/2), -2^(1/2)}", 1, "TRUE"),
    ("{1.414, -1.414}", 0, "WRONG"),
])

# ------------------------------------------------------------------------------- NumRelative
ROWS += _rows("NumRelative", {"tolerance": 0.01}, "pi", [
    ("3.14", 1, "TRUE", "within 1 %"),
    ("3.1", 0, "FALSE", "1.3 % off"),
    ("3", 0, "FALSE"),
    ("22/7", 1, "TRUE"),
    ("pi", 1, "TRUE"),
    ("3,14", 0, "NOT_NUMBER", "English comma makes a list"),
    ("x", P, "PARSE_UNKNOWN_SYMBOL"),
    ("3.2", 0, "FALSE"),
])
ROWS += _rows("NumRelative", None, "100", [
    ("104", 1, "TRUE", "default tolerance 5 %"),
    ("95", 1, "TRUE"),
    ("106", 0, "FALSE"),
    ("1e2", P, "PARSE_E_NOTATION", "write 1*10^2, not 1e2"),
])
ROWS += _rows("NumRelative", {"tolerance": "0.001"}, "sqrt(2)", [
    ("1.414", 1, "TRUE", "tolerance given as a string"),
    ("1.41", 0, "FALSE"),
])
ROWS += [Row("NumRelative", None, "3,14", "pi", 1, "NUMRELATIVE_TRUE", "decimal comma locale", "text", "de")]

# ------------------------------------------------------------------------------- NumAbsolute
ROWS += _rows("NumAbsolute", {"tolerance": 0.1}, "2.5", [
    ("2.45", 1, "TRUE"),
    ("2.6", 1, "TRUE", "boundary |2.6-2.5| = 0.1 is accepted"),
    ("2.61", 0, "FALSE"),
    ("5/2", 1, "TRUE"),
    ("-2.5", 0, "FALSE"),
    ("[2.5]", 0, "NOT_NUMBER"),
])
ROWS += _rows("NumAbsolute", None, "0", [
    ("0.04", 1, "TRUE", "default 0.05"),
    ("-0.05", 1, "TRUE"),
    ("0.06", 0, "FALSE"),
    ("sin(pi)", 1, "TRUE"),
])

# -------------------------------------------------------------------------------- NumSigFigs
ROWS += _rows("NumSigFigs", {"sigfigs": 3}, "pi", [
    ("3.14", 1, "TRUE"),
    ("3.142", 0, "WRONG_DIGITS", "4 figures"),
    ("3.1", 0, "FALSE", "too few figures, and 3.1 != 3.14"),
    ("3.15", 0, "INACCURATE", "3 figures, wrong value"),
    ("3.141", 0, "WRONG_DIGITS", "4 figures; correct to 3"),
    ("3.2", 0, "FALSE", "too few figures and wrong at 3 figures"),
    ("pi", 0, "NOT_NUMBER", "an expression, not a typed decimal"),
    ("314*10^-2", 1, "TRUE", "scientific form"),
    ("-3.14", 0, "INACCURATE"),
])
ROWS += _rows("NumSigFigs", {"sigfigs": 3}, "0.0250", [
    ("0.0250", 1, "TRUE", "trailing zero is significant"),
    ("0.025", 0, "WRONG_DIGITS"),
    ("2.50*10^-2", 1, "TRUE"),
    ("0.02500", 0, "WRONG_DIGITS"),
])
ROWS += _rows("NumSigFigs", {"sigfigs": 2}, "1234", [
    ("1200", 1, "TRUE", "ambiguous trailing zeros: 2 to 4 figures"),
    ("1.2*10^3", 1, "TRUE"),
    ("1230", 0, "WRONG_DIGITS", "1230 has 3 or 4 figures, not 2 (the value is right)"),
    ("1000", 0, "INACCURATE"),
    ("1234", 0, "WRONG_DIGITS"),
])
ROWS += _rows("NumSigFigs", {"sigfigs": [4, 2]}, "2/3", [
    ("0.6667", 1, "TRUE", "[n, m]: 4 figures, accurate to 2"),
    ("0.6712", 1, "TRUE", "still 0.67 at 2 figures"),
    ("0.6812", 0, "INACCURATE"),
    ("0.667", 0, "WRONG_DIGITS"),
])
ROWS += _rows("NumSigFigs", {"sigfigs": "[3, -1]"}, "2/3", [
    ("1.23", 1, "TRUE", "only the count is checked"),
    ("1.2", 0, "WRONG_DIGITS"),
])
ROWS += [Row("NumSigFigs", {"sigfigs": 2}, "2,5", "2.5", 1, "NUMSIGFIGS_TRUE", "decimal comma", "text", "de")]
ROWS += _rows("NumSigFigs", {"sigfigs": 2}, "0.5", [
    ("0.50", 1, "TRUE"),
    ("0.5", 0, "WRONG_DIGITS"),
    ("1/2", 0, "NOT_NUMBER"),
])

# ------------------------------------------------------------------------------ NumDecPlaces
ROWS += _rows("NumDecPlaces", {"places": 2}, "pi", [
    ("3.14", 1, "TRUE"),
    ("3.142", 0, "WRONG_PLACES", "3 places, value rounds correctly"),
    ("3.15", 0, "INACCURATE"),
    ("3.1", 0, "FALSE"),
    ("3.140", 0, "WRONG_PLACES"),
    ("22/7", 0, "NOT_NUMBER"),
])
ROWS += _rows("NumDecPlaces", {"places": 0}, "7/2", [
    ("4", 1, "TRUE", "3.5 rounds half up"),
    ("3", 0, "INACCURATE"),
    ("4.0", 0, "WRONG_PLACES"),
])
ROWS += _rows("NumDecPlaces", {"places": 3}, "2/3", [
    ("0.667", 1, "TRUE"),
    ("0.666", 0, "INACCURATE", "truncated, not rounded"),
    ("-0.667", 0, "INACCURATE"),
])

# ------------------------------------------------------------------------------------ GT/GTE
ROWS += _rows("GT", None, "2", [
    ("3", 1, "TRUE"),
    ("2", 0, "FALSE"),
    ("1.9999", 0, "FALSE"),
    ("sqrt(5)", 1, "TRUE"),
    ("pi", 1, "TRUE"),
    ("x", P, "PARSE_UNKNOWN_SYMBOL"),
    ("{3}", 0, "NOT_NUMBER"),
])
ROWS += _rows("GTE", None, "2", [
    ("2", 1, "TRUE"),
    ("4/2", 1, "TRUE"),
    ("sqrt(4)", 1, "TRUE"),
    ("1.999", 0, "FALSE"),
    ("3", 1, "TRUE"),
    ("-3", 0, "FALSE"),
])

# ---------------------------------------------------------------------------------- FacForm
ROWS += _rows("FacForm", {"var": "x"}, "x^2-1", [
    ("(x-1)(x+1)", 1, "TRUE"),
    ("(x+1)(x-1)", 1, "TRUE"),
    ("(1+x)(x-1)", 1, "TRUE"),
    ("-(1-x)(x+1)", 1, "TRUE", "a sign moved out"),
    ("x^2-1", 0, "NOT_FACTORED"),
    ("(x-1)(x+2)", 0, "NOT_EQUIV"),
    ("(x-1)*(x+1)", 1, "TRUE"),
    ("(x-1)(x+1", P, "PARSE_MISSING_CLOSE_PAREN"),
])
ROWS += _rows("FacForm", None, "x^2-4*x+4", [
    ("(x-2)^2", 1, "TRUE", "option var defaults to the only variable"),
    ("(x-2)(x-2)", 1, "TRUE"),
    ("(2-x)^2", 1, "TRUE"),
    ("4(1-x/2)^2", 1, "TRUE"),
    ("x(x-4)+4", 0, "NOT_FACTORED"),
    ("x(x-4+4/x)", 0, "NOT_POLYNOMIAL", "STACK's odd example"),
    ("(x-2)^3", 0, "NOT_EQUIV"),
])
ROWS += _rows("FacForm", {"var": "x"}, "2*x^2-2", [
    ("2(x-1)(x+1)", 1, "TRUE"),
    ("(2x-2)(x+1)", 0, "NOT_FACTORED", "common factor left in a bracket"),
    ("2(x^2-1)", 0, "NOT_FACTORED"),
    ("-2(1-x)(x+1)", 1, "TRUE"),
])
ROWS += _rows("FacForm", {"var": "x"}, "x^2+1", [
    ("x^2+1", 1, "TRUE", "irreducible over the rationals"),
    ("(x+i)(x-i)", 0, "NOT_POLYNOMIAL", "complex factors are not accepted"),
])
ROWS[-1] = ROWS[-1]._replace(score=1, note="FACFORM_TRUE",
                             comment="complex factors: each is irreducible (allowed, like STACK's Gaussian case)")
ROWS += _rows("FacForm", {"var": "x"}, "x^3-x", [
    ("x(x-1)(x+1)", 1, "TRUE"),
    ("x(x^2-1)", 0, "NOT_FACTORED"),
    ("(x^2-x)(x+1)", 0, "NOT_FACTORED"),
])
ROWS += _rows("FacForm", {"var": "x", "allowed_symbols": ["a"]}, "x^2-a^2", [
    ("(x-a)(x+a)", 1, "TRUE", "with a parameter"),
    ("x^2-a^2", 0, "NOT_FACTORED"),
])
ROWS += _rows("FacForm", {"var": "x"}, "x^2-5*x+6", [
    ("(x-2)(x-3)", 1, "TRUE"),
    ("(x-3)(x-2)", 1, "TRUE"),
    ("(x+2)(x+3)", 0, "NOT_EQUIV"),
    ("x=2 or x=3", 0, "WRONG_TYPE"),
])

# --------------------------------------------------------------------------------- Expanded
ROWS += _rows("Expanded", None, "(x+1)^2", [
    ("x^2+2x+1", 1, "TRUE"),
    ("1+2x+x^2", 1, "TRUE"),
    ("(x+1)^2", 0, "NOT_EXPANDED"),
    ("x(x+2)+1", 0, "NOT_EXPANDED"),
    ("x^2+x+1", 0, "NOT_EQUIV"),
])
ROWS += _rows("Expanded", {"form_only": True, "allowed_symbols": ["x"]}, "0", [
    ("x^2+2x+1", 1, "TRUE", "form_only: STACK semantics, teacher answer ignored"),
    ("(x+1)^2", 0, "NOT_EXPANDED"),
])
ROWS += _rows("Expanded", {"allowed_symbols": ["a", "b"]}, "(x-a)*(x-b)", [
    ("x^2-a x-b x+a b", 1, "TRUE"),
    ("x^2-(a+b)x+ab", 0, "NOT_EXPANDED", "STACK's example: not expanded"),
])

# ------------------------------------------------------------------------------ LowestTerms
ROWS += _rows("LowestTerms", None, "1/2", [
    ("1/2", 1, "TRUE"),
    ("2/4", 0, "NOT_LOWEST"),
    ("0.5", 1, "TRUE", "a decimal has no fraction to reduce"),
    ("3/4", 0, "NOT_EQUIV"),
    ("-1/-2", 0, "NOT_LOWEST", "minus in the denominator"),
])
ROWS += _rows("LowestTerms", None, "sqrt(2)/2", [
    ("sqrt(2)/2", 1, "TRUE"),
    ("1/sqrt(2)", 0, "NOT_LOWEST", "root in the denominator"),
    ("2/(2sqrt(2))", 0, "NOT_LOWEST"),
])
ROWS += _rows("LowestTerms", None, "3*x/4", [
    ("3x/4", 1, "TRUE"),
    ("6x/8", 0, "NOT_LOWEST"),
    ("(6/8)x", 0, "NOT_LOWEST"),
])
ROWS += _rows("LowestTerms", {"form_only": True, "allowed_symbols": ["x"]}, "0", [
    ("4/6", 0, "NOT_LOWEST", "form_only"),
    ("2/3", 1, "TRUE"),
])

# ------------------------------------------------------------------------------- SingleFrac
ROWS += _rows("SingleFrac", None, "1/(x-1)+1/(x+1)", [
    ("2x/(x^2-1)", 1, "TRUE"),
    ("2x/((x-1)(x+1))", 1, "TRUE"),
    ("1/(x-1)+1/(x+1)", 0, "NOT_SINGLE"),
    ("(2x)/(x^2-1)", 1, "TRUE"),
    ("2/(x^2-1)", 0, "NOT_EQUIV"),
    ("(x+x)/(x^2-1)", 1, "TRUE"),
    ("(1/x)/(x-1)", 0, "NOT_EQUIV"),
])
ROWS += _rows("SingleFrac", None, "(x+1)/x", [
    ("(x+1)/x", 1, "TRUE"),
    ("1+1/x", 0, "NOT_SINGLE"),
    ("(1+1/x)/1", 0, "NOT_SINGLE", "fraction inside the numerator"),
    ("-(-x-1)/x", 1, "TRUE"),
])
ROWS += _rows("SingleFrac", None, "x^2", [
    ("x^2", 1, "TRUE", "a polynomial is a single fraction"),
    ("x^3/x", 1, "TRUE"),
    ("x^3*x^-1", 0, "NOT_SINGLE", "negative power"),
])

# --------------------------------------------------------------------------------- PartFrac
ROWS += _rows("PartFrac", {"var": "x"}, "2/(x^2-1)", [
    ("1/(x-1)-1/(x+1)", 1, "TRUE"),
    ("-1/(x+1)+1/(x-1)", 1, "TRUE"),
    ("2/(x^2-1)", 0, "NOT_PARTFRAC"),
    ("1/(x-1)+1/(x+1)", 0, "NOT_EQUIV"),
    ("2/((x-1)(x+1))", 0, "NOT_PARTFRAC"),
])
ROWS += _rows("PartFrac", {"var": "x"}, "(9*x-8)/(x-4)^2", [
    ("9/(x-4)+28/(x-4)^2", 1, "TRUE", "repeated factor"),
    ("(9x-8)/(x-4)^2", 0, "NOT_PARTFRAC"),
    ("9/(x-4)+28/(x-4)^3", 0, "NOT_EQUIV"),
])
ROWS += _rows("PartFrac", {"var": "x"}, "(x^2+1)/(x-1)", [
    ("x+1+2/(x-1)", 1, "TRUE", "improper fraction: polynomial part"),
    ("(x^2+1)/(x-1)", 0, "NOT_PARTFRAC"),
])
ROWS += _rows("PartFrac", {"var": "x"}, "1/(x*(x^2+1))", [
    ("1/x-x/(x^2+1)", 1, "TRUE", "irreducible quadratic factor"),
    ("1/x+(-x)/(x^2+1)", 1, "TRUE"),
])

# ------------------------------------------------------------------------------- CompSquare
ROWS += _rows("CompSquare", {"var": "x"}, "x^2-4*x+5", [
    ("(x-2)^2+1", 1, "TRUE"),
    ("1+(x-2)^2", 1, "TRUE"),
    ("(2-x)^2+1", 1, "TRUE"),
    ("x^2-4x+5", 0, "NOT_COMPSQUARE"),
    ("(x-2)^2-1", 0, "NOT_EQUIV"),
    ("(x-2)(x-2)+1", 0, "NOT_COMPSQUARE"),
])
ROWS += _rows("CompSquare", {"var": "x"}, "2*x^2+4*x+5", [
    ("2(x+1)^2+3", 1, "TRUE"),
    ("(sqrt(2)x+sqrt(2))^2+3", 1, "TRUE"),
    ("2(x^2+2x)+5", 0, "NOT_COMPSQUARE"),
])
ROWS += _rows("CompSquare", {"var": "x"}, "-x^2+2*x", [
    ("1-(x-1)^2", 1, "TRUE"),
    ("-(x-1)^2+1", 1, "TRUE"),
])

# -------------------------------------------------------------------------------------- Diff
ROWS += _rows("Diff", {"var": "x"}, "3*x^2", [
    ("3x^2", 1, "TRUE"),
    ("x^2+2x^2", 1, "TRUE"),
    ("x^4/4", 0, "INTEGRATED", "integrated instead"),
    ("6x", 0, "FALSE"),
    ("3x^2+c", P, "PARSE_UNKNOWN_SYMBOL", "no constants in a derivative"),
])
ROWS += _rows("Diff", {"var": "x"}, "cos(x)", [
    ("cos(x)", 1, "TRUE"),
    ("-sin(x)", 0, "FALSE"),
    ("sin(pi/2+x)", 1, "TRUE"),
])
ROWS += _rows("Diff", {"var": "x"}, "2*x*e^(x^2)", [
    ("2x e^(x^2)", 1, "TRUE", "chain rule"),
    ("e^(x^2)", 0, "FALSE"),
])
ROWS += _rows("Diff", {"var": "x"}, "1/x", [
    ("x^-1", 1, "TRUE"),
    ("ln(x)", 0, "FALSE"),
])

# --------------------------------------------------------------------------------------- Int
ROWS += _rows("Int", {"var": "x"}, "x^3/3", [
    ("x^3/3+c", 1, "TRUE"),
    ("x^3/3+C", 1, "TRUE"),
    ("x^3/3+k", 1, "TRUE"),
    ("(x^3+c)/3", 1, "TRUE", "constant inside a fraction is still additive"),
    ("x^3/3", 0, "MISSING_CONST"),
    ("x^3/3+5", 0, "MISSING_CONST", "a number is not an arbitrary constant"),
    ("x^3/3+c^2", 0, "WEIRD_CONST"),
    ("x^3/3+c+k", 0, "TOO_MANY_CONSTS"),
    ("2x", 0, "DIFFERENTIATED"),
    ("x^3+c", 0, "FALSE"),
    ("x^4/4+c", 0, "FALSE"),
    ("x^3/3+y", P, "PARSE_UNKNOWN_SYMBOL"),
])
ROWS += _rows("Int", {"var": "x", "noconst": True}, "x^3/3", [
    ("x^3/3", 1, "TRUE", "noconst condones a missing constant"),
    ("x^3/3+c", 1, "TRUE"),
    ("x^3/3+7", 1, "TRUE"),
])
ROWS += _rows("Int", {"var": "x"}, "ln(abs(x))+c", [
    ("ln(abs(x))+c", 1, "TRUE"),
    ("ln|x|+C", 1, "TRUE"),
    ("ln(k*abs(x))", 1, "TRUE", "constant inside the logarithm"),
    ("ln(x)+c", 1, "TRUE", "compared through derivatives (like Antidiff)"),
    ("1/x", 0, "FALSE", "returns the integrand"),
])
ROWS += _rows("Int", {"var": "x"}, "-cos(x)", [
    ("-cos(x)+c", 1, "TRUE"),
    ("cos(x)+c", 0, "FALSE"),
    ("c-cos(x)", 1, "TRUE"),
])
ROWS += _rows("Int", {"var": "x"}, "e^(2*x)/2", [
    ("e^(2x)/2+c", 1, "TRUE"),
    ("e^(2x)+c", 0, "FALSE"),
])

# ---------------------------------------------------------------------------------- Antidiff
ROWS += _rows("Antidiff", {"var": "x"}, "x^3/3", [
    ("x^3/3", 1, "TRUE"),
    ("x^3/3+c", 1, "TRUE"),
    ("x^3/3+5", 1, "TRUE"),
    ("2x", 0, "DIFFERENTIATED"),
    ("x^3", 0, "FALSE"),
    ("x^3/3=c", 0, "WRONG_TYPE"),
])
ROWS += _rows("Antidiff", {"var": "x"}, "sin(x)", [
    ("sin(x)+1", 1, "TRUE"),
    ("-sin(x)", 0, "DIFFERENTIATED", "sin'' = -sin"),
    ("cos(x)", 0, "FALSE"),
])

# ---------------------------------------------------------------------------------- AddConst
ROWS += _rows("AddConst", None, "x^2", [
    ("x^2+c", 1, "TRUE"),
    ("c+x^2", 1, "TRUE"),
    ("x^2", 0, "NO_CONST"),
    ("x^2+c/3", 0, "NOT_STRICT"),
    ("x^2+c^3", 0, "NOT_STRICT"),
    ("c*x^2", 0, "NOT_ADDITIVE"),
    ("x^2+c+k", 0, "TOO_MANY_CONSTS"),
    ("ln(x e^c)+x^2", 1, "TRUE", "c can be extracted as + c"),
])
ROWS += _rows("AddConst", {"nonstrict": True}, "x^2", [
    ("x^2+c^3", 1, "TRUE", "nonstrict: any function of c"),
    ("x^2+c/3", 1, "TRUE"),
    ("c*x", 0, "NOT_ADDITIVE"),
])
ROWS += _rows("AddConst", {"vars": ["x", "n"], "allowed_symbols": ["n"]}, "x^n", [
    ("x^(n+1)/(n+1)+c", 1, "TRUE", "extra parameter n listed in vars"),
    ("x^(n+1)/(n+1)", 0, "NO_CONST"),
])
