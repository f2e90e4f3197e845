/* The practice page: MathLive or plain-text input, one-round-trip checking, hints, give up, mastery bar.
   The server never sends the answer before the problem is closed; this script only shows what it gets. */
(function () {
  "use strict";
  var root = document.getElementById("practice");
  if (!root) return;

  var form = document.getElementById("answer-form");
  var mathField = document.getElementById("answer-math");
  var textInput = document.getElementById("answer-text");
  var mathMode = document.getElementById("math-mode");
  var textMode = document.getElementById("text-mode");
  var modeToggle = document.getElementById("mode-toggle");
  var keyboardToggle = document.getElementById("keyboard-toggle");
  var checkButton = document.getElementById("check-button");
  var hintButton = document.getElementById("hint-button");
  var giveUpButton = document.getElementById("give-up-button");
  var feedback = document.getElementById("feedback");
  var preview = document.getElementById("preview");
  var busy = false;
  var mode = "math";

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data || {}).forEach(function (k) { body.append(k, data[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (json) {
        if (!resp.ok) {
          var err = (json && json.error) || {};
          throw { message: err.message || "Something went wrong. Please try again.", code: err.code || resp.status };
        }
        return json;
      });
    }, function () {
      throw { message: "We could not reach the server. Check your connection and try again.", code: "network" };
    });
  }

  /* ---------- input modes ---------- */
  function mathLiveReady() { return !!(window.customElements && window.customElements.get("math-field")); }

  function setMode(next, moveFocus) {
    mode = next;
    var isText = mode === "text";
    textMode.hidden = !isText;
    mathMode.hidden = isText;
    modeToggle.textContent = isText ? "Use the math editor instead" : "Type as plain text instead";
    try { window.localStorage.setItem("tutor.inputMode", mode); } catch (e) { /* private mode */ }
    if (isText && window.mathVirtualKeyboard) { window.mathVirtualKeyboard.hide(); keyboardToggle.setAttribute("aria-pressed", "false"); }
    if (moveFocus) currentInput().focus();
  }

  function currentInput() { return mode === "text" ? textInput : mathField; }

  function currentAnswer() {
    if (mode === "text") return { answer: textInput.value.trim(), format: "text" };
    return { answer: (mathField.value || "").trim(), format: "latex" };
  }

  function configureMathLive() {
    var MFE = window.MathfieldElement || (window.MathLive && window.MathLive.MathfieldElement);
    if (MFE) {
      try { MFE.soundsDirectory = null; MFE.keypressSound = null; MFE.plonkSound = null; } catch (e) { /* older API */ }
    }
    mathField.smartFence = true;
    mathField.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); submitAnswer(); }
    });
  }

  /* ---------- feedback and mastery ---------- */
  var TITLES = { correct: "Correct", incorrect: "Not quite", invalid: "We couldn't read that", error: "Something went wrong" };
  var ICONS = { correct: "✓", incorrect: "✗", invalid: "?", error: "!" };

  function showFeedback(kind, message, enteredLatex) {
    feedback.className = "feedback " + kind;
    feedback.innerHTML = "";
    var icon = document.createElement("span");
    icon.className = "fb-icon"; icon.setAttribute("aria-hidden", "true"); icon.textContent = ICONS[kind] || "!";
    var body = document.createElement("div");
    var title = document.createElement("p");
    title.className = "fb-title"; title.textContent = TITLES[kind] || "";
    var text = document.createElement("p");
    text.textContent = message;
    body.appendChild(title); body.appendChild(text);
    if (enteredLatex && kind !== "invalid") {
      var entered = document.createElement("p");
      entered.className = "entered small";
      entered.appendChild(document.createTextNode("You entered: "));
      var span = document.createElement("span");
      entered.appendChild(span);
      window.TutorMath.renderLatex(span, enteredLatex, false);
      body.appendChild(entered);
    }
    feedback.appendChild(icon); feedback.appendChild(body);
  }

  function updateMastery(m) {
    if (!m) return;
    var bar = document.querySelector('.mastery-card .bar');
    var pct = document.getElementById("mastery-pct");
    var delta = document.getElementById("mastery-delta");
    bar.setAttribute("aria-valuenow", String(m.percent));
    bar.setAttribute("aria-valuetext", m.percent + "% mastered");
    bar.querySelector(".bar-fill").style.width = m.percent + "%";
    pct.textContent = m.percent + "%";
    var points = Math.round((m.after - m.before) * 100);
    delta.className = "muted small " + (points > 0 ? "up" : points < 0 ? "down" : "");
    delta.textContent = points === 0 ? "Mastery unchanged." :
      (points > 0 ? "Mastery up " + points + " points." : "Mastery down " + (-points) + " points.");
  }

  function addAttempt(verdict, label, latex, raw) {
    var list = document.getElementById("attempt-list");
    var li = document.createElement("li");
    li.className = "attempt attempt-" + verdict;
    var v = document.createElement("span"); v.className = "verdict"; v.textContent = label;
    li.appendChild(v);
    var val = document.createElement("span");
    if (latex) { window.TutorMath.renderLatex(val, latex, false); } else { val.textContent = raw; }
    li.appendChild(val);
    list.appendChild(li);
    document.getElementById("no-attempts").hidden = true;
  }

  function showSolution(reveal) {
    var section = document.getElementById("solution");
    var body = document.getElementById("solution-body");
    body.innerHTML = "";
    var ans = document.createElement("p"); ans.className = "answer-line";
    ans.appendChild(document.createTextNode("Answer: "));
    var a = document.createElement("span"); window.TutorMath.renderLatex(a, reveal.answer_latex, false);
    ans.appendChild(a); body.appendChild(ans);
    if (reveal.steps && reveal.steps.length) {
      var ol = document.createElement("ol"); ol.className = "steps";
      reveal.steps.forEach(function (s) {
        var li = document.createElement("li");
        li.innerHTML = s.html;  /* server-escaped Markdown (no raw HTML allowed) */
        if (s.latex) { var d = document.createElement("div"); window.TutorMath.renderLatex(d, s.latex, true); li.appendChild(d); }
        ol.appendChild(li);
      });
      body.appendChild(ol);
      window.TutorMath.render(ol);
    }
    section.hidden = false;
  }

  function closeProblem(reveal) {
    form.hidden = true;
    if (window.mathVirtualKeyboard) window.mathVirtualKeyboard.hide();
    if (reveal) showSolution(reveal);
    document.getElementById("next-row").hidden = false;
    document.getElementById("next-button").focus();
  }

  /* ---------- actions ---------- */
  function setBusy(value) {
    busy = value;
    [checkButton, giveUpButton].forEach(function (b) { b.disabled = value; });
    if (hintButton.dataset.exhausted !== "true") hintButton.disabled = value;
    root.setAttribute("aria-busy", value ? "true" : "false");
  }

  function submitAnswer() {
    if (busy) return;
    var a = currentAnswer();
    if (!a.answer) {
      showFeedback("invalid", "Type an answer first.", "");
      currentInput().focus();
      return;
    }
    setBusy(true);
    post(root.dataset.submitUrl, { answer: a.answer, format: a.format }).then(function (r) {
      showFeedback(r.verdict, r.message, r.entered_latex);
      updateMastery(r.mastery);
      if (!r.mastery && r.verdict !== "invalid") {
        document.getElementById("mastery-delta").textContent = "Only your first answer to a problem changes your mastery.";
        document.getElementById("mastery-delta").className = "muted small";
      }
      addAttempt(r.verdict, { correct: "Correct", incorrect: "Incorrect", invalid: "Invalid input" }[r.verdict], r.entered_latex, a.answer);
      setBusy(false);
      if (r.status !== "open") { closeProblem(r.reveal); return; }
      var input = currentInput();
      input.focus();
      if (input.select) input.select();
    }).catch(function (err) {
      setBusy(false);
      showFeedback("error", err.message, "");
    });
  }

  function requestHint() {
    if (busy) return;
    setBusy(true);
    post(root.dataset.hintUrl, {}).then(function (r) {
      var section = document.getElementById("hints");
      var li = document.createElement("li");
      li.innerHTML = r.html;  /* server-escaped Markdown */
      document.getElementById("hint-list").appendChild(li);
      window.TutorMath.render(li);
      section.hidden = false;
      document.getElementById("hints-left").textContent = "(" + r.hints_left + " left)";
      setBusy(false);
      if (r.hints_left <= 0) { hintButton.dataset.exhausted = "true"; hintButton.disabled = true; currentInput().focus(); }
      document.getElementById("announcer").textContent = "Hint " + r.number + ": " + li.textContent;
    }).catch(function (err) { setBusy(false); showFeedback("error", err.message, ""); });
  }

  function giveUp() {
    if (busy) return;
    setBusy(true);
    post(root.dataset.giveUpUrl, {}).then(function (r) {
      setBusy(false);
      showFeedback("incorrect", "Here is the answer with a worked solution. Read it through, then try the next one.", "");
      feedback.querySelector(".fb-title").textContent = "Answer shown";
      updateMastery(r.mastery);
      closeProblem(r.reveal);
    }).catch(function (err) { setBusy(false); showFeedback("error", err.message, ""); });
  }

  /* ---------- plain-text preview ---------- */
  var previewTimer = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      var text = textInput.value;
      if (!text.trim()) { preview.textContent = ""; preview.className = "preview"; return; }
      post(root.dataset.previewUrl, { text: text }).then(function (r) {
        if (textInput.value !== text) return;
        preview.innerHTML = "";
        if (r.valid) {
          preview.className = "preview";
          preview.appendChild(document.createTextNode("We read this as "));
          var span = document.createElement("span");
          window.TutorMath.renderLatex(span, r.latex, false);
          preview.appendChild(span);
        } else if (r.error) {
          preview.className = "preview invalid";
          preview.textContent = r.error;
        }
      }).catch(function () { /* preview is best-effort */ });
    }, 300);
  }

  /* ---------- wiring ---------- */
  if (root.dataset.open !== "true") return;
  hintButton.dataset.exhausted = hintButton.disabled ? "true" : "false";
  form.addEventListener("submit", function (ev) { ev.preventDefault(); submitAnswer(); });
  hintButton.addEventListener("click", requestHint);
  giveUpButton.addEventListener("click", giveUp);
  modeToggle.addEventListener("click", function () { setMode(mode === "math" ? "text" : "math", true); });
  keyboardToggle.addEventListener("click", function () {
    if (!window.mathVirtualKeyboard) return;
    var show = keyboardToggle.getAttribute("aria-pressed") !== "true";
    mathField.focus();
    if (show) window.mathVirtualKeyboard.show(); else window.mathVirtualKeyboard.hide();
    keyboardToggle.setAttribute("aria-pressed", show ? "true" : "false");
  });
  textInput.addEventListener("input", schedulePreview);

  var saved = null;
  try { saved = window.localStorage.getItem("tutor.inputMode"); } catch (e) { /* ignore */ }
  if (mathLiveReady()) {
    configureMathLive();
    setMode(saved === "text" ? "text" : "math", false);
  } else {
    setMode("text", false);
    modeToggle.hidden = true;
    mathMode.hidden = true;
  }
})();
