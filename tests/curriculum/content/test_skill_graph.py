"""The shipped skill graph: size, coverage of the curriculum, prerequisites, acyclicity."""

from __future__ import annotations

import textwrap
from collections import defaultdict

import pytest

from curriculum.skills import Skill, SkillGraph, load_skill_graph, parse_skill_graph
from curriculum.templates import TemplateError, load_templates

FAMILIES = {"integers", "fractions", "decimals", "percent", "ratios", "exponents", "roots", "linear_equations",
            "linear_inequalities", "systems", "polynomials", "factoring", "quadratics", "rational_expressions",
            "functions", "exponentials", "logarithms", "trigonometry", "derivatives", "integrals"}


@pytest.fixture(scope="module")
def graph() -> SkillGraph:
    return load_skill_graph()


def test_at_least_40_skills_covering_arithmetic_to_calculus(graph):
    assert len(graph) >= 40
    assert FAMILIES <= set(graph.families())
    assert all(isinstance(s, Skill) and s.name and s.description for s in graph.skills.values())


def test_prerequisites_exist_and_order_is_topological(graph):
    order = graph.topological_order()
    assert sorted(order) == sorted(graph.skills)
    position = {sid: i for i, sid in enumerate(order)}
    for sid, prereqs in graph.as_mapping().items():
        for p in prereqs:
            assert p in graph.skills and position[p] < position[sid]
    roots = [sid for sid, s in graph.skills.items() if not s.prerequisites]
    assert roots == ["integers.add_subtract"]
    assert "integers.add_subtract" in graph.all_prerequisites("integrals.definite")


def test_cycle_is_rejected_with_its_path():
    text = textwrap.dedent("""\
        skills:
          - {id: a.one, name: One, description: d, prerequisites: [a.three]}
          - {id: a.two, name: Two, description: d, prerequisites: [a.one]}
          - {id: a.three, name: Three, description: d, prerequisites: [a.two]}
        """)
    with pytest.raises(TemplateError, match="prerequisite cycle"):
        parse_skill_graph(text)


def test_unknown_prerequisite_and_duplicate_id_report_lines():
    text = textwrap.dedent("""\
        skills:
          - {id: a.one, name: One, description: d}
          - {id: a.two, name: Two, description: d, prerequisites: [a.nope]}
          - {id: a.one, name: Again, description: d}
        """)
    with pytest.raises(TemplateError) as info:
        parse_skill_graph(text)
    found = {(i.line, i.message) for i in info.value.issues}
    assert (4, "duplicate skill id 'a.one'") in found
    assert (3, "unknown prerequisite 'a.nope'") in found


def test_every_skill_has_three_templates_spanning_difficulties(graph):
    by_skill: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for template in load_templates().values():
        for sid in template.skills:
            assert sid in graph.skills, f"{template.id}: unknown skill {sid}"
            by_skill[sid].add(template.difficulty)
            counts[sid] += 1
    for sid in graph.skills:
        assert counts[sid] >= 3, sid
        assert by_skill[sid] == {1, 2, 3}, (sid, by_skill[sid])
