"""Render docs/checking.md from the checker registry (CHECKERS) and the fixture table.

Usage (from the repository root):
    python scripts/render_checking_docs.py            # rewrite docs/checking.md, keep the measured numbers
    python scripts/render_checking_docs.py --bench    # also re-measure latency (scripts/bench_checking.py)
    python scripts/render_checking_docs.py --check    # exit 1 if docs/checking.md is out of date

Like STACK's ``cli/answertests_docs.php``: the table the tests run is the table authors read.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from curriculum.checking import CHECKERS
from curriculum.checking.checkers import COMMON_OPTIONS
from curriculum.checking.limits import DEFAULT_LIMITS
from tests.curriculum.checking.fixtures import ROWS

DOC = os.path.join(ROOT, "docs", "checking.md")
BENCH_START, BENCH_END = "<!-- bench:start -->", "<!-- bench:end -->"

GLOBAL_NOTES = {
    "PARSE_EMPTY": "nothing was entered",
    "PARSE_NOT_TEXT": "the answer was not a string",
    "PARSE_TOO_LONG": f"more than {DEFAULT_LIMITS.max_length} characters after normalisation",
    "PARSE_TOO_DEEP": f"nested deeper than {DEFAULT_LIMITS.max_depth} levels",
    "PARSE_TOO_COMPLEX": f"more than {DEFAULT_LIMITS.max_nodes} tree nodes",
    "PARSE_NUMBER_TOO_LONG": f"a literal with more than {DEFAULT_LIMITS.max_number_digits} digits",
    "PARSE_NAME_TOO_LONG": "a name longer than 24 characters",
    "PARSE_BAD_CHAR": "a character outside the allow-list (quotes, `.` outside numbers, `$`, control characters...)",
    "PARSE_BAD_NUMBER": "a malformed number such as `1.2.3`",
    "PARSE_E_NOTATION": "`1e5` style input (write `1*10^5`)",
    "PARSE_FORBIDDEN_NAME": "names starting with `_` or containing `__`",
    "PARSE_UNKNOWN_SYMBOL": "a variable the question does not use",
    "PARSE_WRONG_CASE": "a variable in the wrong case (`X` for `x`)",
    "PARSE_UNKNOWN_FUNCTION": "an unknown function, or a function glued to its argument (`sinx`)",
    "PARSE_WRONG_ARITY": "a function with the wrong number of arguments",
    "PARSE_MISSING_ARGUMENT": "a function without an argument",
    "PARSE_FUNCTION_POWER": "`sin^a(x)` with a non-numeric power",
    "PARSE_MISSING_OPERAND": "an operator with something missing before or after it",
    "PARSE_DOUBLE_OPERATOR": "two operators in a row (`2*/x`)",
    "PARSE_NUMBER_NUMBER": "two numbers side by side (`2 3`)",
    "PARSE_MISSING_CLOSE_PAREN": "an unclosed `(`, `[` or `{` (also unclosed LaTeX braces)",
    "PARSE_MISSING_CLOSE_BAR": "an unclosed `|`",
    "PARSE_UNMATCHED_BAR": "a stray `|`",
    "PARSE_UNEXPECTED_CLOSE": "a closing bracket without an opening one",
    "PARSE_MISMATCHED_BRACKETS": "`[1,2)` with the wrong number of items, or `{...]`",
    "PARSE_EMPTY_BRACKETS": "`()` or `||`",
    "PARSE_CHAINED_RELATION": "`a = b = c`, or `1 < x > 3`",
    "PARSE_BAD_SEPARATOR": "`,` used as a separator in a decimal-comma locale (use `;`)",
    "PARSE_BAD_SUBSCRIPT": "a LaTeX subscript that is not letters/digits",
    "PARSE_LATEX_UNKNOWN_COMMAND": "a LaTeX command outside the allow-list",
    "PARSE_UNEXPECTED": "any other unexpected token",
    "TOO_LARGE": "a number or power too large to compute (cost estimated before evaluation)",
    "DIVISION_BY_ZERO": "division by zero or an undefined value (`1/0`, `0^-1`, `(-1)!`)",
    "BAD_ROOT": "`root(x, n)` with n not a whole number in 2..1000",
    "BAD_FACTORIAL": "factorial of a non-integer number",
    "TOO_COMPLEX": "the CAS recursed too deeply",
    "CAS_ERROR": "SymPy failed on this input (logged); the student is asked to rewrite it",
    "TIMEOUT": "the isolated check ran past its wall-clock limit; the worker was killed and replaced",
    "RESOURCE_LIMIT": "the worker hit its memory limit; it was replaced",
    "WORKER_CRASHED": "the worker died or could not start (not cached; retry)",
    "WORKER_BUSY": "no worker became free in time (not cached; retry)",
}
WARNINGS = {
    "PARSE_FUNCTION_WITHOUT_PARENS": "`sin x`, `2 sin x cos x` read as `sin(x)`, `2*sin(x)*cos(x)`",
    "PARSE_FUNCTION_CASE": "`Sin(x)` read as `sin(x)`",
    "PARSE_IMPLICIT_PRODUCT_OF_NAMES": "`xy` read as `x*y` (only when both are allowed variables)",
    "PARSE_SUBSCRIPT_WITHOUT_UNDERSCORE": "`x1` read as `x_1` when only `x_1` is a variable",
    "PARSE_AMBIGUOUS_DIVISION": "`1/2x` read as `(1/2)*x`",
}


def _cell(text: str) -> str:
    if len(text) > 40:
        text = f"{text[:16]}… ({len(text)} chars)"
    if any(not ch.isprintable() for ch in text):
        text = ascii(text)[1:-1]
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")
    return f"`{text}`" if text else "*(empty)*"


def _verdict(score: int | None) -> str:
    return {1: "correct", 0: "wrong", None: "invalid"}[score]


def _options(opts: dict | None) -> str:
    if not opts:
        return ""
    return ", ".join(f"{k}={v!r}" for k, v in opts.items()).replace("|", "\\|")


def render(bench_block: str) -> str:
    by_test: dict[str, list] = defaultdict(list)
    for r in ROWS:
        by_test[r.test].append(r)
    out: list[str] = []
    w = out.append
    w("# Answer checking (`curriculum.checking`)")
    w("")
    w("<!-- Generated by scripts/render_checking_docs.py from the checker registry and "
      "tests/curriculum/checking/fixtures.py. Edit those, not this file. -->")
    w("")
    w("Exact, safe, explainable checking of student answers with STACK's answer-test names and semantics. "
      "Every verdict carries a stable **answer note** (`ALGEQUIV_TRUE`, `FACFORM_NOT_FACTORED`, "
      "`PARSE_MISSING_CLOSE_PAREN`, `TIMEOUT`...) for analytics and hint prompts, and a short "
      "student-facing sentence.")
    w("")
    w("## API")
    w("")
    w("```python")
    w("from curriculum.checking import check, CheckResult, parse_student, CHECKERS, teacher_to_latex")
    w("")
    w('r = check("AlgEquiv", "2x+2", "2*(x+1)")')
    w("# CheckResult(valid=True, correct=True, score=1.0, note='ALGEQUIV_TRUE', feedback='',")
    w("#             parsed='2*x + 2', parsed_latex='2 x + 2', warnings=())")
    w('check("FacForm", "x^2-1", "(x-1)(x+1)", {"var": "x"})      # note FACFORM_NOT_FACTORED')
    w('check("NumSigFigs", "3.14", "pi", {"sigfigs": 3})            # note NUMSIGFIGS_TRUE')
    w('check("AlgEquiv", r"\\frac{1}{2}x", "x/2", input_format="latex")   # MathLive output')
    w('check("AlgEquiv", "2,5", "5/2", locale="de")                 # decimal comma')
    w('parse_student("sinx", allowed_symbols={"x"})   # ParseResult(valid=False, error="unknown function '
      "'sinx'; did you mean sin(x)?\", ...)")
    w('teacher_to_latex("x^2/2 + c")                    # "\\\\frac{{x}^{2}}{2} + c"')
    w("```")
    w("")
    w("* `check(test, student, teacher, options=None, *, input_format='text', locale='en', timeout=2.0, "
      "isolate=True) -> CheckResult` never raises for bad student input. Authoring mistakes raise "
      "`curriculum.errors.CurriculumError` subclasses: `UnknownCheckerError`, `CheckerOptionsError`, "
      "`ParseError` (teacher answer does not parse or cannot be evaluated).")
    w("* Variables a student may use: the teacher answer's, plus `options['allowed_symbols']`; SubstEquiv "
      "accepts any names; Int/Antidiff/AddConst also accept a constant of integration "
      "(`c, C, k, K, c_1, C_1, A, B, D`). For a teacher answer without variables (e.g. `{2, -3}`) pass "
      "`allowed_symbols: ['x']` if students may write `x = 2 or x = -3`.")
    w("* `check_inline(...)` / `check(..., isolate=False)` run in the calling process without time or memory "
      "limits: for trusted batch work (template validation over many seeds) only.")
    w("* `parse_student(text, input_format, locale, allowed_symbols)` parses without evaluating (no SymPy "
      "import) for the live preview; `ParseResult` has `valid, text, latex, error, note, position, warnings, "
      "symbols`.")
    w("* `configure(size=2, memory_limit_mb=1536, start_method=None)`, `warm_up()`, `shutdown()` control the "
      "worker pool; `clear_cache()` forgets cached verdicts.")
    w("* `CHECKERS[name]` is a `CheckerSpec(name, family, doc, options, notes, ...)`; options common to every "
      "test: " + ", ".join(f"`{o.name}` ({o.doc})" for o in COMMON_OPTIONS) + ".")
    w("")
    w("## What students can type")
    w("")
    w("| Input | Read as |")
    w("|---|---|")
    for a, b in [
        ("`2x`, `3(x+1)`, `(x+1)(x-1)`, `x y`", "implicit multiplication"),
        ("`xy` (both x and y allowed)", "`x*y` (warning `PARSE_IMPLICIT_PRODUCT_OF_NAMES`)"),
        ("`2 sin x`, `sin 2x`, `sin^2(x)`", "`2*sin(x)`, `sin(2*x)`, `sin(x)^2`"),
        ("`^`, `**`, `x²`, `x⁻¹`", "powers"),
        ("`sqrt`, `√`, `cbrt`, `root(x, n)`, `abs`, `\\|x\\|`", "roots and absolute value"),
        ("`pi`, `π`, `e`, `i`, `oo`, `∞`", "constants (`e` is Euler's number; `E` is not)"),
        ("`ln`, `log` (natural), `log(x, b)`, `log10`, `exp`", "logarithms"),
        ("`sin cos tan cot sec csc`, `asin`/`arcsin`..., `sinh`...", "trigonometric functions"),
        ("`−` (U+2212), `–`, `×`, `·`, `÷`, `≤ ≥ ≠`, full-width digits", "the ASCII operators"),
        ("`1,5` with `locale='de'` (or fr, es, it, nl, ...)", "1.5; then `;` separates list items"),
        ("`x = 2 or x = -3`, `{2, -3}`, `2, -3`", "solutions / sets"),
        ("`(1, 2]`, `[1, oo)`, `(-oo,1) U (2,oo)`, `1 < x <= 3`", "intervals and inequalities"),
        ("`[1, 2, 3]`, `(1, 2)`", "lists / tuples"),
        ("`5!`, `factorial(5)`", "factorial"),
        ("MathLive LaTeX: `\\frac{1}{2}`, `\\sqrt[3]{x}`, `x^{2}`, `\\left(...\\right)`, `\\cdot`, `\\le`",
         "the same, via a bounded LaTeX translator"),
    ]:
        w(f"| {a} | {b} |")
    w("")
    w("Decimals are exact (`0.1` is 1/10). Scientific e-notation (`1e5`) is refused with a hint; write "
      "`1*10^5`.")
    w("")
    w("## Safety model")
    w("")
    w("Student input is hostile. Nothing the student types reaches `eval`, `sympify` or `parse_expr`:")
    w("")
    w("1. **Normalise** (ordered, individually tested steps in `normalize.py`: superscripts, unicode operators, "
      "NFKC, whitespace, `**`, decimal comma).")
    w(f"2. **Bound**: at most {DEFAULT_LIMITS.max_length} characters, depth {DEFAULT_LIMITS.max_depth}, "
      f"{DEFAULT_LIMITS.max_nodes} nodes, {DEFAULT_LIMITS.max_number_digits}-digit literals (`limits.py`).")
    w("3. **Tokenise and parse** with a hand-written precedence parser (`tokenize.py`, `parse.py`) into an "
      "allow-listed tree (`tree.py`): numbers, allowed variables, allow-listed functions (`vocabulary.py`), "
      "operators, relations, brackets. No attribute access, strings, dunder names or unknown functions exist "
      "in this language. LaTeX goes through a bounded translator (`latex_input.py`) into the same parser.")
    w(f"4. **Cost before evaluation** (`build.py`): the tree is turned into SymPy node by node; every power "
      f"of exact numbers is size-checked first (bits × exponent ≤ {DEFAULT_LIMITS.max_result_bits}), symbolic "
      f"exponents ≤ {DEFAULT_LIMITS.max_symbolic_exponent}, factorials ≤ {DEFAULT_LIMITS.max_factorial}, so "
      "`9**9**9**9`, `((9^9)^9999)^9999` and `4^(123456789/2)` are refused instantly (`TOO_LARGE`).")
    w("5. **Cheap checks first** (`equivalence.py`, `numeric.py`): structural equality, then random-point "
      "evaluation in mpmath (30 digits, complex, our own tree walker rather than `subs`/`lambdify`), then exact "
      "confirmation in Q(x, ...) for rational functions; `simplify` only when evaluation is inconclusive.")
    w("6. **Isolation** (`worker.py`): the check runs in a persistent worker process started by `forkserver` "
      "(never forking the threaded caller) with `RLIMIT_AS`; past the wall-clock limit the worker is "
      "SIGKILLed and replaced and the caller gets `valid=False, note=TIMEOUT` within `timeout` seconds. "
      "Verdicts (including timeouts) are cached, so a resubmitted bomb does not hang the service again.")
    w("")
    w("The preview path (`parse_student`) stops after step 3: it never evaluates, so it cannot leak CAS "
      "results (STACK issue #452) and is safe on every keystroke.")
    w("")
    w("## Performance")
    w("")
    w(bench_block)
    w("")
    w("## Answer tests")
    w("")
    w("Options marked *required* must be given. Notes are `<TEST>_<SUFFIX>`; the global notes below can "
      "come from any test.")
    w("")
    families = ["equivalence", "numerical", "form", "calculus"]
    for fam in families:
        names = [n for n, s in CHECKERS.items() if s.family == fam]
        w("| " + fam.capitalize() + " | " + ", ".join(f"[{n}](#{n.lower()})" for n in names) + " |")
        if fam == families[0]:
            out.insert(len(out) - 1, "| Family | Tests |")
            out.insert(len(out) - 1, "|---|---|")
    w("")
    ordered = [(n, s) for fam in families for n, s in CHECKERS.items() if s.family == fam]
    for name, spec in ordered:
        w(f"### {name}")
        w("")
        w(spec.doc)
        w("")
        if spec.options:
            w("Options: " + "; ".join(
                f"`{o.name}`" + (" (*required*)" if o.required else f" (default `{o.default!r}`)") + f": {o.doc}"
                for o in spec.options) + ".")
            w("")
        w("Notes: " + ", ".join(f"`{n}`" for n in spec.notes) + ".")
        w("")
        rows = by_test.get(name, [])
        w(f"{len(rows)} fixture rows:")
        w("")
        w("| Student | Teacher | Options | Verdict | Note | Comment |")
        w("|---|---|---|---|---|---|")
        for r in rows:
            extra = []
            if r.input_format != "text":
                extra.append(r.input_format)
            if r.locale != "en":
                extra.append(f"locale={r.locale}")
            comment = "; ".join([*extra, r.comment] if r.comment else extra).replace("|", "\\|")
            w(f"| {_cell(r.student)} | {_cell(r.teacher)} | {_options(r.options)} | {_verdict(r.score)} | "
              f"`{r.note}` | {comment} |")
        w("")
    w("## Global notes (invalid input and resource limits)")
    w("")
    w("| Note | Meaning |")
    w("|---|---|")
    for k, v in GLOBAL_NOTES.items():
        w(f"| `{k}` | {v} |")
    w("")
    w("Parse warnings (input accepted, `CheckResult.warnings` / `ParseResult.warnings`):")
    w("")
    for k, v in WARNINGS.items():
        w(f"* `{k}`: {v}")
    w("")
    w("## Differences from STACK")
    w("")
    w("* `Expanded` and `LowestTerms` also check equivalence with the teacher's answer (one checker per "
      "template is the common case here); pass `form_only: true` for STACK's behaviour.")
    w("* `Int` compares derivatives almost everywhere, so `ln(x) + c` is accepted for `ln|x| + c` (STACK's "
      "`Antidiff` behaviour); STACK's `FORMAL` option is not implemented.")
    w("* `AlgEquiv` on univariate equations/inequalities compares real solution sets, so `x^2 + x - 6 = 0` "
      "equals `x = 2 or x = -3`; multivariate equations must agree up to a constant factor.")
    w("* Equivalence is decided over the reals with random-point evaluation (WeBWorK style) plus exact "
      "confirmation for rational functions; `positive: true` samples positive values only.")
    w("* Units, string and `Equiv` (line-by-line reasoning) tests are not implemented.")
    w("")
    return "\n".join(out)


def current_bench_block() -> str:
    if os.path.exists(DOC):
        m = re.search(re.escape(BENCH_START) + r".*?" + re.escape(BENCH_END), open(DOC, encoding="utf-8").read(),
                      re.DOTALL)
        if m:
            return m.group(0)
    return f"{BENCH_START}\nNot measured yet: run `python scripts/render_checking_docs.py --bench`.\n{BENCH_END}"


def bench_block() -> str:
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from bench_checking import run

    res = run(rounds=3)
    iso, inl = res["isolated"], res["inline"]
    return "\n".join([
        BENCH_START,
        f"Measured with `python scripts/bench_checking.py --rounds 3` on the {res['rows']} valid, ordinary-size "
        f"rows of the fixture table ({iso['n']} timed calls per mode; verdict cache cleared before each call; "
        f"machine: {res['machine']}):",
        "",
        "| Mode | median | p90 | p99 | max |",
        "|---|---|---|---|---|",
        f"| `check()` through the worker pool | {iso['median_ms']} ms | {iso['p90_ms']} ms | {iso['p99_ms']} ms | "
        f"{iso['max_ms']} ms |",
        f"| `check_inline()` | {inl['median_ms']} ms | {inl['p90_ms']} ms | {inl['p99_ms']} ms | "
        f"{inl['max_ms']} ms |",
        "",
        f"Starting the pool (fork server importing SymPy, 2 workers) took {res['pool_startup_s']} s; call "
        "`warm_up()` at process start. A pathological input returns `TIMEOUT` after the 2 s limit "
        "(`tests/curriculum/checking/test_isolation.py` asserts < 2.2 s including the kill).",
        BENCH_END,
    ])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", action="store_true", help="re-measure latency")
    ap.add_argument("--check", action="store_true", help="fail if docs/checking.md is out of date")
    args = ap.parse_args()
    text = render(bench_block() if args.bench else current_bench_block())
    if args.check:
        old = open(DOC, encoding="utf-8").read() if os.path.exists(DOC) else ""
        if old != text:
            print("docs/checking.md is out of date: run python scripts/render_checking_docs.py", file=sys.stderr)
            return 1
        return 0
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {DOC} ({len(ROWS)} fixture rows, {len(CHECKERS)} tests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
