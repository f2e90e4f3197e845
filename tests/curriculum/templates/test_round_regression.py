"""Regression: ``round()`` of an exact rational built from template variables must round exactly.

``percent.change.decimal`` failed to instantiate for some seeds (52, 86, 107, ...) because ``round()`` passed an
unevaluated rational product through ``nsimplify``, which returned a product of radicals.
"""

from __future__ import annotations

import sympy as sp

from curriculum.templates import instantiate, load_templates
from curriculum.templates.expr import _round


def test_round_of_an_exact_rational_is_exact() -> None:
    with sp.evaluate(False):
        value = sp.Integer(100) * (sp.Integer(47) - sp.Integer(36)) / sp.Integer(47)
    assert _round(value, 1) == sp.Float("23.4", 15)
    assert _round(sp.Rational(5, 2)) == 3
    assert _round(-sp.Rational(5, 2)) == -3
    assert _round(sp.sqrt(2), 3) == sp.Float("1.414", 15)


def test_percent_change_decimal_instantiates_for_the_seeds_that_used_to_fail() -> None:
    template = load_templates()["percent.change.decimal"]
    for seed in (52, 86, 107, *range(0, 200)):
        instance = instantiate(template, seed, with_solution=False)
        assert instance.answer
