import pytest

from curriculum.explain import ExplainError, extract_boxed


@pytest.mark.parametrize(("text", "expected"), [
    (r"so $\boxed{5}$.", "5"),
    (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
    (r"\boxed{ - \frac{3}{20} }", r"- \frac{3}{20}"),
    (r"first \boxed{1} then \boxed{2}", "2"),
    (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),  # escaped set braces do not close the box
    (r"\boxed{\left\{-4, - \frac{1}{2}\right\}}", r"\left\{-4, - \frac{1}{2}\right\}"),
    (r"\boxed {7}", "7"),  # TeX allows a space before the group
    (r"\boxed{1} and a broken \boxed{2", "1"),  # an unclosed last box is skipped
    (r"\boxed{\boxed{3}}", "3"),  # the box that starts last wins
    (r"\boxed{}", ""),
    (r"\boxed{x = 1 \text{ or } x = 8}", r"x = 1 \text{ or } x = 8"),
    (r"\boxed{a\\b}", r"a\\b"),  # an escaped backslash is not an escape of the brace after it
    ("no answer here", None),
    (r"\boxed", None),
    (r"\boxed{", None),
    ("", None),
])
def test_extract_boxed(text, expected):
    assert extract_boxed(text) == expected


def test_extract_boxed_rejects_non_text():
    with pytest.raises(ExplainError, match="expects str"):
        extract_boxed(None)  # type: ignore[arg-type]
