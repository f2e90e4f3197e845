"""The problem-text renderer escapes everything and leaves math for KaTeX untouched."""

from __future__ import annotations

from tutor.rendering import markdown_math_to_html


def test_math_is_kept_verbatim_and_markdown_applies_outside() -> None:
    html = markdown_math_to_html("Simplify **fully**: $a*b*c + x_1$ and *then* check.")
    assert '<span class="math math-inline">$a*b*c + x_1$</span>' in html
    assert "<strong>fully</strong>" in html
    assert "<em>then</em>" in html


def test_raw_html_is_escaped_everywhere() -> None:
    html = markdown_math_to_html('<script>alert(1)</script> $x<y$ <img src=x onerror="1">')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "$x&lt;y$" in html


def test_paragraphs_lists_and_display_math() -> None:
    html = markdown_math_to_html("First line\nsecond line\n\n- one\n- two\n\n$$\\frac{1}{2}$$")
    assert html.startswith("<p>First line<br>second line</p>")
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert '<span class="math math-display">$$\\frac{1}{2}$$</span>' in html


def test_nul_characters_cannot_forge_placeholders() -> None:
    html = markdown_math_to_html("a \x000\x00 b $x$")
    assert "\x00" not in html
    assert html.count("math-inline") == 1
