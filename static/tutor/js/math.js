/* Render $...$ / $$...$$ math inside an element with KaTeX (auto-render). Exposes window.TutorMath. */
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false }
  ];

  function render(el) {
    if (!el || typeof window.renderMathInElement !== "function") return;
    window.renderMathInElement(el, { delimiters: DELIMITERS, throwOnError: false, strict: "ignore", output: "htmlAndMathml" });
  }

  function renderLatex(el, latex, displayMode) {
    if (!el) return;
    if (window.katex) {
      try {
        window.katex.render(latex, el, { throwOnError: false, displayMode: !!displayMode, output: "htmlAndMathml" });
        return;
      } catch (e) { /* fall through to plain text */ }
    }
    el.textContent = latex;
  }

  window.TutorMath = { render: render, renderLatex: renderLatex };
  document.addEventListener("DOMContentLoaded", function () { render(document.getElementById("main")); });
})();
