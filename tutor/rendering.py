"""Safe rendering of problem text: a small Markdown subset with ``$...$`` / ``$$...$$`` math left for KaTeX.

Everything is HTML-escaped first; math segments are kept verbatim (escaped) inside
``<span class="math">`` so that the browser renders them with KaTeX auto-render and no Markdown rule
touches them. Supported Markdown: paragraphs (blank line), line breaks, ``**bold**``, ``*italic*`` /
``_italic_``, ```code```, and ``- item`` / ``1. item`` lists. No raw HTML, no links, no images.
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

_MATH = re.compile(r"(\$\$.+?\$\$|\\\[.+?\\\]|\$(?:\\\$|[^$])+?\$|\\\(.+?\\\))", re.DOTALL)
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![\w*])[*_](?![\s*_])(.+?)(?<![\s*_])[*_](?![\w*])", re.DOTALL)
_CODE = re.compile(r"`([^`]+)`")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_PLACEHOLDER = "\u0000{}\u0000"


def _inline(text: str, math: list[str]) -> str:
    """Escape one block's text and apply inline rules outside math placeholders."""
    out = html.escape(text, quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)

    def restore(match: re.Match[str]) -> str:
        segment = math[int(match.group(1))]
        display = segment.startswith("$$") or segment.startswith("\\[")
        cls = "math math-display" if display else "math math-inline"
        return f'<span class="{cls}">{html.escape(segment, quote=False)}</span>'

    return re.sub("\u0000(\\d+)\u0000", restore, out)


def markdown_math_to_html(source: str) -> SafeString:
    """Render problem Markdown + LaTeX (``source``) to safe HTML; math stays as ``$..$`` text for KaTeX."""
    math: list[str] = []

    def stash(match: re.Match[str]) -> str:
        math.append(match.group(0))
        return _PLACEHOLDER.format(len(math) - 1)

    protected = _MATH.sub(stash, source.replace("\x00", "").replace("\r\n", "\n"))
    blocks = [b for b in re.split(r"\n\s*\n", protected) if b.strip()]
    parts: list[str] = []
    for block in blocks:
        lines = block.strip("\n").split("\n")
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.match(line).group(1), math)}</li>" for line in lines)  # type: ignore[union-attr]
            parts.append(f"<ul>{items}</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBERED.match(line).group(1), math)}</li>" for line in lines)  # type: ignore[union-attr]
            parts.append(f"<ol>{items}</ol>")
        else:
            parts.append("<p>" + "<br>".join(_inline(line, math) for line in lines) + "</p>")
    return mark_safe("".join(parts))  # every piece above was escaped


def latex_inline(latex: str) -> SafeString:
    """Wrap a bare LaTeX string (no dollars) as an inline math span for KaTeX."""
    return mark_safe(f'<span class="math math-inline">${html.escape(latex, quote=False)}$</span>')
