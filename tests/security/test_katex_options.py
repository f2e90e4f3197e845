"""Teacher-authored LaTeX reaches every student's browser through KaTeX (static/tutor/js/math.js).

Runs math.js in Node with the real KaTeX from node_modules and checks the options it passes: no trusted
commands (``\\href{javascript:...}``), bounded macro expansion, bounded sizes."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

SCRIPT = r"""
const katex = require(process.argv[2]);
const fs = require("fs");
const src = fs.readFileSync(process.argv[3], "utf8");
const calls = [];
const window = {
  katex: { render: (latex, el, opts) => { calls.push(opts); el.html = katex.renderToString(latex, opts); } },
  renderMathInElement: (el, opts) => { calls.push(opts); },
};
const document = { addEventListener: () => {}, getElementById: () => null };
new Function("window", "document", src)(window, document);
const out = {};
for (const [name, latex] of Object.entries(JSON.parse(process.argv[4]))) {
  const el = {};
  window.TutorMath.renderLatex(el, latex, false);
  out[name] = el.html || "";
}
window.TutorMath.render({});
console.log(JSON.stringify({ calls, out }));
"""

SAMPLES = {
    "href": r"\href{javascript:alert(1)}{x}",
    "html": r"\htmlClass{x}{y} \htmlData{onclick=alert(1)}{y}",
    "url": r"\url{javascript:alert(1)}",
    "rule": r"\rule{100000em}{100000em}",
    "bomb": r"\def\a{\b\b}\def\b{\c\c}\def\c{\d\d}\def\d{\e\e}\def\e{\f\f}\def\f{\g\g}\def\g{\h\h}\def\h{x}\a\a\a\a",
}


def test_katex_is_called_untrusted_and_bounded(tmp_path: pathlib.Path) -> None:
    assert NODE is not None, "this test needs Node.js on PATH"
    assert (ROOT / "node_modules" / "katex").is_dir(), "this test needs node_modules/katex: run `npm ci`"
    script = tmp_path / "run.js"
    script.write_text(SCRIPT)
    res = subprocess.run(
        [NODE, str(script), str(ROOT / "node_modules" / "katex"), str(ROOT / "static" / "tutor" / "js" / "math.js"),
         json.dumps(SAMPLES)], capture_output=True, text=True, timeout=60, check=True)
    data = json.loads(res.stdout)
    assert len(data["calls"]) == len(SAMPLES) + 1  # renderLatex per sample, then render()
    for opts in data["calls"]:
        assert opts["trust"] is False and opts["maxExpand"] <= 1000 and opts["maxSize"] <= 50
    # the visible HTML part (the MathML <annotation> repeats the source as escaped text)
    shown = {k: v.split('class="katex-html"', 1)[-1] for k, v in data["out"].items()}
    assert "<a " not in shown["href"] and "href=" not in shown["href"] and "javascript:" not in shown["href"]
    assert "href=" not in shown["url"] and "javascript:" not in shown["url"]
    assert "onclick" not in shown["html"] and "data-onclick" not in shown["html"]
    assert "100000em" not in shown["rule"]
    assert "Too many expansions" in data["out"]["bomb"] or "katex-error" in data["out"]["bomb"]
