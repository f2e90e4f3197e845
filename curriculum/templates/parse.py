"""YAML text -> :class:`ProblemTemplate`, with every static authoring error reported with its line.

Static checks (no sampling): YAML syntax, required fields and their types, unknown fields (typos such as
``hint:``), variable specs, names used before definition or never defined, placeholder syntax, checker
name, input kind, worked-solution method and its arguments. Checks that need sampled values (constraints
satisfiable, answer passes its own checker) live in :mod:`curriculum.templates.validate`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from curriculum.solutions.steps import registry
from curriculum.templates.expr import CONSTANTS, NAME_RE, ExprError, names_in
from curriculum.templates.model import (
    INPUT_KINDS,
    ProblemTemplate,
    SolutionSpec,
    TemplateError,
    TemplateIssue,
    VariableSpec,
    WrongAnswerSpec,
)
from curriculum.templates.render import placeholders, split_flags
from curriculum.templates.yamlsource import YamlSourceError, load_with_lines

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,80}$")
FIELDS = {"id", "title", "skills", "difficulty", "symbols", "variables", "constraints", "statement", "answer",
          "checker", "options", "input_kind", "hints", "wrong_answers", "solution"}
REQUIRED = ("id", "title", "skills", "difficulty", "statement", "answer", "checker", "hints")
VARIABLE_KINDS = {"int": ("exclude", "step"), "rational": ("den", "exclude"), "decimal": ("places", "exclude"),
                  "choice": ()}

#: STACK answer-test names (used when the checker registry cannot be imported).
STACK_TESTS = ("AlgEquiv", "EqualComAss", "CasEqual", "SameType", "SubstEquiv", "SysEquiv", "Sets",
               "NumRelative", "NumAbsolute", "NumSigFigs", "NumDecPlaces", "GT", "GTE", "FacForm", "Expanded",
               "LowestTerms", "SingleFrac", "PartFrac", "CompSquare", "Diff", "Int", "Antidiff", "AddConst")


def known_checkers() -> tuple[str, ...]:
    """Names accepted for ``checker:`` (the live registry of ``curriculum.checking`` when importable)."""
    try:
        from curriculum.checking import CHECKERS  # type: ignore[attr-defined]
    except ImportError:
        return STACK_TESTS
    return tuple(CHECKERS)


def version_of(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


class _Collector:
    def __init__(self, lines: Mapping[tuple[Any, ...], int], first_line: int) -> None:
        self.lines = lines
        self.first = first_line
        self.issues: list[TemplateIssue] = []

    def line(self, *path: Any) -> int:
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), self.first)

    def add(self, path: tuple[Any, ...], message: str) -> None:
        self.issues.append(TemplateIssue(self.line(*path), ".".join(str(p) for p in path), message))


def _str(c: _Collector, data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            c.add((key,), "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        c.add((key,), f"must be text, got {type(value).__name__}")
        return ""
    return str(value)


def _check_expr(c: _Collector, path: tuple[Any, ...], src: Any, known: set[str], *, flags: bool = False) -> None:
    """Report syntax errors and unknown names of one expression."""
    if isinstance(src, bool) or not isinstance(src, (str, int, float)):
        c.add(path, f"must be an expression, got {type(src).__name__}")
        return
    text = str(src)
    try:
        if flags:
            text, _ = split_flags(text)
        used = names_in(text)
    except ExprError as exc:
        c.add(path, str(exc))
        return
    for name in sorted(used - known - set(CONSTANTS)):
        c.add(path, f"unknown variable '{name}'")


def _check_text(c: _Collector, path: tuple[Any, ...], text: str, known: set[str]) -> None:
    for ph in placeholders(text):
        _check_expr(c, path, ph, known, flags=True)
    stripped = re.sub(r"\{\{.+?\}\}", "", text, flags=re.DOTALL)
    if "{{" in stripped:
        c.add(path, "'{{' without a closing '}}' (in LaTeX write '\\frac{ {{a}} }{ {{b}} }' with spaces)")


def _variables(c: _Collector, raw: Any, known: set[str]) -> list[VariableSpec]:
    out: list[VariableSpec] = []
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        c.add(("variables",), "must be a mapping of name: definition")
        return out
    for name, spec in raw.items():
        path = ("variables", name)
        if not isinstance(name, str) or not NAME_RE.match(name) or name in CONSTANTS or "__" in name:
            c.add(path, f"invalid variable name '{name}' (letters, digits and _; not pi, e, oo)")
            continue
        if name in known:
            c.add(path, f"'{name}' is already declared (as a symbol or an earlier variable)")
        if isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
            _check_expr(c, path, spec, known, flags=True)
            out.append(VariableSpec(name, "expr", {"expr": str(spec)}, c.line(*path)))
            known.add(name)
            continue
        if not isinstance(spec, Mapping):
            c.add(path, "must be an expression or a mapping such as {int: [1, 9]}")
            continue
        kinds = [k for k in spec if k in VARIABLE_KINDS]
        if len(kinds) != 1:
            c.add(path, f"needs exactly one of {', '.join(VARIABLE_KINDS)}")
            continue
        kind = kinds[0]
        for extra in set(spec) - {kind, *VARIABLE_KINDS[kind]}:
            c.add((*path, extra), f"unknown option '{extra}' for a {kind} variable")
        body = spec[kind]
        if kind == "choice":
            if not isinstance(body, list) or not body:
                c.add((*path, kind), "must be a non-empty list")
            else:
                for i, item in enumerate(body):
                    _check_expr(c, (*path, kind, i), item, known)
        else:
            if not (isinstance(body, list) and len(body) == 2):
                c.add((*path, kind), "must be [low, high]")
            else:
                for i, item in enumerate(body):
                    _check_expr(c, (*path, kind, i), item, known)
            if kind == "rational":
                den = spec.get("den")
                if not (isinstance(den, list) and len(den) == 2):
                    c.add((*path, "den"), "a rational variable needs den: [low, high]")
                else:
                    for i, item in enumerate(den):
                        _check_expr(c, (*path, "den", i), item, known)
        if "exclude" in spec:
            ex = spec["exclude"]
            if not isinstance(ex, list):
                c.add((*path, "exclude"), "must be a list")
            else:
                for i, item in enumerate(ex):
                    _check_expr(c, (*path, "exclude", i), item, known)
        for key in ("step", "places"):
            if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 1):
                c.add((*path, key), "must be a positive integer")
        out.append(VariableSpec(name, kind, dict(spec), c.line(*path)))
        known.add(name)
    return out


def _names(c: _Collector, data: Mapping[str, Any], key: str) -> list[str]:
    raw = data.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            c.add((key, i), "must be text")
        else:
            out.append(item)
    return out


def parse_template(yaml_text: str, *, first_line: int = 1, origin: str = "<template>") -> ProblemTemplate:
    """Parse one template document; raise :class:`TemplateError` listing every static issue.

    ``first_line`` is the line of ``yaml_text``'s first line inside its file (multi-document files).
    """
    try:
        data, raw_lines = load_with_lines(yaml_text, first_line=first_line)
    except YamlSourceError as exc:
        raise TemplateError([TemplateIssue(exc.line, "", str(exc))], origin) from None
    c = _Collector(raw_lines, first_line)
    if not isinstance(data, Mapping):
        raise TemplateError([TemplateIssue(c.line(), "", "a template must be a YAML mapping")], origin)
    for key in data:
        if key not in FIELDS:
            close = [f for f in FIELDS if f.startswith(str(key)[:3])]
            c.add((key,), f"unknown field '{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    for key in REQUIRED:
        if key not in data:
            c.add((), f"missing required field '{key}'")

    tid = _str(c, data, "id")
    if tid and not ID_RE.match(tid):
        c.add(("id",), "must be lowercase letters, digits, '.', '_' or '-' (2-81 characters)")
    title = _str(c, data, "title")
    skills = _names(c, data, "skills")
    if "skills" in data and not skills:
        c.add(("skills",), "list at least one skill id")
    difficulty = data.get("difficulty", 1)
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or difficulty not in (1, 2, 3):
        c.add(("difficulty",), "must be 1, 2 or 3")
        difficulty = 1

    symbols = _names(c, data, "symbols") if "symbols" in data else ["x"]
    for i, s in enumerate(symbols):
        if not NAME_RE.match(s) or s in CONSTANTS:
            c.add(("symbols", i), f"invalid symbol name '{s}'")
    known: set[str] = set(symbols)
    variables = _variables(c, data.get("variables"), known)

    constraints: list[tuple[str, int]] = []
    raw_cons = data.get("constraints") or []
    if not isinstance(raw_cons, list):
        c.add(("constraints",), "must be a list of conditions")
        raw_cons = []
    for i, cond in enumerate(raw_cons):
        _check_expr(c, ("constraints", i), cond, known)
        constraints.append((str(cond), c.line("constraints", i)))

    statement = _str(c, data, "statement")
    _check_text(c, ("statement",), statement, known)
    answer = _str(c, data, "answer")
    if answer:
        _check_expr(c, ("answer",), answer, known, flags=True)

    checker = _str(c, data, "checker")
    if checker and checker not in known_checkers():
        c.add(("checker",), f"unknown checker '{checker}' (known: {', '.join(known_checkers())})")
    options = data.get("options") or {}
    if not isinstance(options, Mapping):
        c.add(("options",), "must be a mapping")
        options = {}
    input_kind = _str(c, data, "input_kind", required=False) or "expression"
    if input_kind not in INPUT_KINDS:
        c.add(("input_kind",), f"must be one of {', '.join(INPUT_KINDS)}")

    hints = _names(c, data, "hints")
    if "hints" in data and not hints:
        c.add(("hints",), "give at least one hint")
    for i, h in enumerate(hints):
        _check_text(c, ("hints", i), h, known)

    wrong: list[WrongAnswerSpec] = []
    raw_wrong = data.get("wrong_answers") or []
    if not isinstance(raw_wrong, list):
        c.add(("wrong_answers",), "must be a list of {answer, feedback}")
        raw_wrong = []
    for i, item in enumerate(raw_wrong):
        path = ("wrong_answers", i)
        if not isinstance(item, Mapping) or "answer" not in item or "feedback" not in item:
            c.add(path, "each wrong answer needs 'answer' and 'feedback'")
            continue
        for extra in set(item) - {"answer", "feedback", "note"}:
            c.add((*path, extra), f"unknown field '{extra}'")
        _check_expr(c, (*path, "answer"), item["answer"], known, flags=True)
        _check_text(c, (*path, "feedback"), str(item["feedback"]), known)
        note = str(item.get("note") or f"WRONG_ANSWER_{i + 1}")
        if not re.match(r"^[A-Z][A-Z0-9_]*$", note):
            c.add((*path, "note"), "a note is an UPPER_CASE code such as SIGN_ERROR")
        wrong.append(WrongAnswerSpec(str(item["answer"]), str(item["feedback"]), note, c.line(*path)))

    solution = None
    raw_sol = data.get("solution")
    if raw_sol is not None:
        if not isinstance(raw_sol, Mapping) or "method" not in raw_sol:
            c.add(("solution",), "must be a mapping with 'method', 'given' and optional 'params'")
        else:
            for extra in set(raw_sol) - {"method", "given", "params"}:
                c.add(("solution", extra), f"unknown field '{extra}'")
            method = str(raw_sol["method"])
            solvers = registry()
            spec = solvers.get(method)
            given = raw_sol.get("given") or {}
            params = raw_sol.get("params") or {}
            if not isinstance(given, Mapping) or not isinstance(params, Mapping):
                c.add(("solution",), "'given' and 'params' must be mappings")
                given, params = {}, {}
            if spec is None:
                c.add(("solution", "method"), f"unknown solution method '{method}' "
                                              f"(known: {', '.join(sorted(solvers))})")
            else:
                for k in spec.required:
                    if k not in given:
                        c.add(("solution", "given"), f"method '{method}' needs given '{k}'")
                for k in given:
                    if k not in spec.required + spec.optional:
                        c.add(("solution", "given", k), f"method '{method}' takes no given '{k}'")
                for k in params:
                    if k not in spec.params:
                        c.add(("solution", "params", k), f"method '{method}' takes no param '{k}' "
                                                         f"(takes: {', '.join(spec.params) or 'none'})")
            for k, src in given.items():
                _check_expr(c, ("solution", "given", k), src, known)
            solution = SolutionSpec(method, {str(k): str(v) for k, v in given.items()}, dict(params),
                                    c.line("solution"))

    if c.issues:
        raise TemplateError(c.issues, origin)
    lines = {".".join(str(p) for p in path): line for path, line in raw_lines.items()}
    return ProblemTemplate(
        id=tid, version=version_of(yaml_text), title=title, skills=tuple(skills), difficulty=difficulty,
        source=yaml_text, statement=statement, answer=answer, checker=checker, options=dict(options),
        input_kind=input_kind, symbols=tuple(symbols), variables=tuple(variables),
        constraints=tuple(constraints), hints=tuple(hints), wrong_answers=tuple(wrong), solution=solution,
        lines=lines, origin=origin,
    )
