"""Deterministic instantiation: ``instantiate(template, seed)`` -> :class:`ProblemInstance`.

Randomness comes only from ``random.Random(f"{template.id}#{seed}")`` (string seeds are hashed with
SHA-512 by the standard library, so the stream is stable across processes and Python runs). Variables are
drawn in the order written; derived expressions are evaluated; constraints are checked; a draw that fails
a constraint or divides by zero is rejected and redrawn (at most ``MAX_DRAWS`` times).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sympy as sp

from curriculum.solutions.steps import SolverError, Step, WorkedSolution, solve
from curriculum.templates.compare import coincide
from curriculum.templates.expr import ExprError, evaluate, truth
from curriculum.templates.model import (
    ProblemInstance,
    ProblemTemplate,
    TemplateError,
    TemplateIssue,
    VariableSpec,
    WrongAnswer,
)
from curriculum.templates.render import render_text, to_answer, to_latex, value_of

MAX_DRAWS = 500
MAX_CANDIDATES = 100_000


class _Reject(Exception):
    """This draw violates a constraint or is undefined: draw again."""


def _issue(template: ProblemTemplate, path: str, message: str, line: int | None = None) -> TemplateError:
    return TemplateError([TemplateIssue(line or template.line_of(path), path, message)], template.origin)


def _int_bound(template: ProblemTemplate, var: VariableSpec, src: Any, names: Mapping[str, Any]) -> int:
    value = evaluate(src, names)
    if not (isinstance(value, sp.Basic) and value.is_Integer):
        raise _issue(template, f"variables.{var.name}", f"bound '{src}' is not an integer ({value})", var.line)
    return int(value)


def _draw(template: ProblemTemplate, var: VariableSpec, rng: random.Random, names: Mapping[str, Any]) -> Any:
    p = var.params
    if var.kind == "expr":
        value, _ = value_of(p["expr"], names)
        return value
    if var.kind == "choice":
        items = p["choice"]
        return evaluate(items[rng.randrange(len(items))], names)
    excluded = [evaluate(e, names) for e in p.get("exclude", [])]
    lo_src, hi_src = p[var.kind]
    if var.kind == "decimal":
        places = int(p.get("places", 1))
        scale = 10**places
        lo = sp.ceiling(evaluate(lo_src, names) * scale)
        hi = sp.floor(evaluate(hi_src, names) * scale)
        if hi < lo:
            raise _Reject()
        k = rng.randint(int(lo), int(hi))
        value = sp.Float(f"{sp.Rational(k, scale).evalf(30):.{places}f}", 15)
    else:
        lo, hi = _int_bound(template, var, lo_src, names), _int_bound(template, var, hi_src, names)
        step = int(p.get("step", 1))
        if hi < lo or (hi - lo) // step > MAX_CANDIDATES:
            if hi < lo:
                raise _Reject()
            raise _issue(template, f"variables.{var.name}", f"range too large (over {MAX_CANDIDATES} values)",
                         var.line)
        n = rng.randrange(lo, hi + 1, step)
        if var.kind == "int":
            value = sp.Integer(n)
        else:
            dlo, dhi = (_int_bound(template, var, s, names) for s in p["den"])
            if dhi < dlo:
                raise _Reject()
            d = rng.randint(dlo, dhi)
            if d == 0:
                raise _Reject()
            value = sp.Rational(n, d)
    if any(value == e for e in excluded):
        raise _Reject()
    return value


def sample_values(template: ProblemTemplate, seed: int) -> dict[str, Any]:
    """The variable values (plus symbols) of ``seed``; raises :class:`TemplateError` if unsatisfiable."""
    rng = random.Random(f"{template.id}#{seed}")
    base = {s: sp.Symbol(s) for s in template.symbols}
    for _ in range(MAX_DRAWS):
        names: dict[str, Any] = dict(base)
        try:
            for var in template.variables:
                try:
                    names[var.name] = _draw(template, var, rng, names)
                except ExprError as exc:
                    if exc.domain:
                        raise _Reject() from None
                    raise _issue(template, f"variables.{var.name}", str(exc), var.line) from None
            for i, (cond, line) in enumerate(template.constraints):
                try:
                    ok = truth(cond, names)
                except ExprError as exc:
                    if exc.domain:
                        raise _Reject() from None
                    raise _issue(template, f"constraints.{i}", str(exc), line) from None
                if not ok:
                    raise _Reject()
        except _Reject:
            continue
        return names
    line = template.line_of("constraints") if template.constraints else template.line_of("variables")
    raise _issue(template, "constraints" if template.constraints else "variables",
                 f"no values satisfy the constraints in {MAX_DRAWS} draws (seed {seed}); "
                 "the constraints may be unsatisfiable", line)


def _value(template: ProblemTemplate, path: str, src: str, names: Mapping[str, Any]) -> tuple[Any, bool]:
    try:
        value, flags = value_of(src, names)
    except ExprError as exc:
        raise _issue(template, path, f"cannot evaluate '{src}': {exc}") from None
    return value, "asis" in flags


def _text(template: ProblemTemplate, path: str, text: str, names: Mapping[str, Any]) -> str:
    try:
        return render_text(text, names)
    except ExprError as exc:
        raise _issue(template, path, str(exc)) from None


def solution_for(template: ProblemTemplate, names: Mapping[str, Any]) -> tuple[tuple[Step, ...], Any]:
    """Run the template's solver on the sampled values -> (steps, the solver's mathematical result)."""
    spec = template.solution
    if spec is None:
        return (), None
    try:
        given = {k: evaluate(src, names, evaluate=False) for k, src in spec.given.items()}
        result = solve(spec.method, given, spec.params)
    except (ExprError, SolverError) as exc:
        raise _issue(template, "solution", f"worked solution '{spec.method}' failed: {exc}", spec.line) from None
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, sp.PolynomialError) as exc:
        raise _issue(template, "solution", f"worked solution '{spec.method}' cannot handle these values: "
                                           f"{type(exc).__name__}: {exc}", spec.line) from None
    return result.steps, result.result


def rounded_entry(checker: str, options: Mapping[str, Any], value: Any) -> str:
    """For NumSigFigs / NumDecPlaces: the value rounded as the test demands (``"12.0"``), else ``""``."""
    if checker not in ("NumSigFigs", "NumDecPlaces"):
        return ""
    try:
        x = Decimal(str(sp.N(value, 30)))
    except (TypeError, ValueError, ArithmeticError):
        return ""
    if checker == "NumDecPlaces":
        places = int(options.get("places", 2))
        return str(x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    n = int(options.get("sigfigs", 3))
    if x == 0:
        return "0"
    exponent = x.adjusted() - n + 1  # position of the last kept digit
    rounded = x.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return f"{rounded:f}" if exponent < 0 else str(int(rounded))


def instantiate(template: ProblemTemplate, seed: int, *, with_solution: bool = True) -> ProblemInstance:
    """Build the instance of ``seed`` (same template + seed -> equal instance).

    ``with_solution=False`` skips the worked solution (``solution=None``): the fast path used when only the
    answer is needed (bulk checking in tests). Raises :class:`TemplateError` on authoring errors.
    """
    names = sample_values(template, seed)
    answer_value, asis = _value(template, "answer", template.answer, names)
    answer = to_answer(answer_value, asis=asis)
    answer_latex = to_latex(answer_value, asis=asis)
    model_entry = rounded_entry(template.checker, template.options, answer_value)
    wrong: list[WrongAnswer] = []
    earlier: list[tuple[Any, bool]] = [(answer_value, not asis)]
    for i, spec in enumerate(template.wrong_answers):
        value, w_asis = _value(template, f"wrong_answers.{i}.answer", spec.answer, names)
        text = rounded_entry(template.checker, template.options, value) or to_answer(value, asis=w_asis)
        if text in (answer, model_entry) or any(w.answer == text for w in wrong) or \
                any(coincide(value, other, template.checker, evaluated=ev and not w_asis)
                    for other, ev in earlier):
            continue  # for these values the mistake gives the right answer (or an earlier mistake's)
        earlier.append((value, not w_asis))
        wrong.append(WrongAnswer(text, _text(template, f"wrong_answers.{i}.feedback", spec.feedback, names),
                                 spec.note))
    solution = None
    if with_solution:
        steps, _ = solution_for(template, names)
        if model_entry:
            final = Step(f"Rounded as asked, the answer is ${model_entry}$.", model_entry)
        else:
            final = Step("So the answer is " + (f"${answer_latex}$." if answer_latex else f"`{answer}`."),
                         answer_latex)
        solution = WorkedSolution(steps + (final,), final.latex)
    return ProblemInstance(
        template_id=template.id, template_version=template.version, seed=seed, title=template.title,
        skills=template.skills, difficulty=template.difficulty,
        statement=_text(template, "statement", template.statement, names),
        answer=answer, answer_latex=answer_latex, checker=template.checker, options=dict(template.options),
        input_kind=template.input_kind,
        hints=tuple(_text(template, f"hints.{i}", h, names) for i, h in enumerate(template.hints)),
        solution=solution, wrong_answers=tuple(wrong), model_entry=model_entry,
    )
