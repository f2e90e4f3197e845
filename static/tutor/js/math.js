/* Render $...$ / $$...$$ math inside an element with KaTeX (auto-render). Exposes window.TutorMath. */
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false }
  ];

  /* Teacher-authored LaTeX is untrusted: no \href/\url/\html* (trust: false), bounded macro expansion
     and sizes (\rule{10000em}{10000em} would cover the page). See docs/security.md. */
  var SAFETY = { trust: false, maxExpand: 200, maxSize: 20 };

  function options(extra) {
    var o = { throwOnError: false, output: "htmlAndMathml" };
    var k;
    for (k in SAFETY) o[k] = SAFETY[k];
    for (k in extra) o[k] = extra[k];
    return o;
  }

  function render(el) {
    if (!el || typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(el, options({ delimiters: DELIMITERS, strict: "ignore" }));
  }

  function renderLatex(el, latex, displayMode) {
    if (!el) return;
    if (window.katex) {
      try {
        window.katex.render(latex, el, options({ displayMode: !!displayMode }));
        return;
      } catch (e) { /* fall through to plain text */ }
    }
    el.textContent = latex;
  }

  window.TutorMath = { render: render, renderLatex: renderLatex };
  document.addEventListener("DOMContentLoaded", function () { render(document.getElementById("main")); });
})();
