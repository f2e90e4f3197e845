/* "Show me how" on the practice page: follow a streamed model explanation over ws/explain/problem/<id>/.

   Protocol (tutor.consumers.ExplainConsumer): we send {"type": "start"|"resume"|"stop", "explanation", "last_seq"};
   the server sends explanation / queue / status / chunk {seq, text} / snapshot {seq, text} / end / idle / error.
   Chunks arrive in order, each once; after a dropped connection we resume from the last sequence number.
   Model text is only ever inserted as text (textContent) and math is typeset with KaTeX on completed lines. */
(function () {
  "use strict";
  var section = document.getElementById("explain");
  var practice = document.getElementById("practice");
  if (!section || !practice || !("WebSocket" in window)) return;

  var startButton = document.getElementById("explain-start");
  var stopButton = document.getElementById("explain-stop");
  var statusLine = document.getElementById("explain-status");
  var modelBadge = document.getElementById("explain-model");
  var textBox = document.getElementById("explain-text");
  var verdictBox = document.getElementById("explain-verdict");

  var socket = null;
  var explanationId = null;
  var lastSeq = 0;
  var running = false;       /* an explanation is pending or streaming */
  var wantOpen = false;      /* reconnect if the socket drops */
  var retryDelay = 500;
  var pendingMessage = null; /* sent once the socket is ready */
  var current = null;        /* the <p> of the line being written */
  var fullText = "";

  /* ---------- when the section is offered: after a readable answer, or once the problem is closed ---------- */
  function answered() {
    return practice.dataset.open !== "true" ||
      !!document.querySelector("#attempt-list li.attempt-correct, #attempt-list li.attempt-incorrect") ||
      !document.getElementById("next-row").hidden;
  }

  function offer() {
    if (!section.hidden || !answered()) return;
    section.hidden = false;
    connect({ type: "resume" }); /* show an explanation that already exists (finished, or running in another tab) */
  }

  /* ---------- rendering ---------- */
  function newLine() {
    if (current) { current.classList.remove("current"); if (window.TutorMath) window.TutorMath.render(current); }
    current = document.createElement("p");
    current.className = "current";
    textBox.appendChild(current);
  }

  function appendText(text) {
    if (!current) newLine();
    var parts = text.split("\n");
    for (var i = 0; i < parts.length; i++) {
      if (i > 0) newLine();
      if (parts[i]) current.appendChild(document.createTextNode(parts[i]));
    }
    fullText += text;
  }

  function resetText(text) {
    textBox.innerHTML = "";
    current = null;
    fullText = "";
    if (text) appendText(text);
  }

  function finishText() {
    if (current) { current.classList.remove("current"); if (window.TutorMath) window.TutorMath.render(current); }
  }

  function setStatus(text) { statusLine.textContent = text || ""; }

  function setModel(label, isRandom) {
    if (!label) return;
    modelBadge.textContent = isRandom ? label : "Model: " + label;
    modelBadge.className = "explain-model" + (isRandom ? " random" : "");
    modelBadge.title = isRandom ? "No trained model is installed: this demo model writes random characters." : "";
  }

  function setRunning(value) {
    running = value;
    stopButton.hidden = !value;
    startButton.hidden = value;
    section.setAttribute("aria-busy", value ? "true" : "false");
  }

  function showVerdict(kind, text, latex) {
    verdictBox.className = "explain-verdict " + kind;
    verdictBox.textContent = text;
    if (latex && window.TutorMath) {
      var span = document.createElement("span");
      verdictBox.appendChild(document.createTextNode(" "));
      verdictBox.appendChild(span);
      window.TutorMath.renderLatex(span, latex, false);
    }
    verdictBox.hidden = false;
  }

  function aheadText(n) {
    if (!n) return "Starting…";
    return n === 1 ? "1 student ahead of you…" : n + " students ahead of you…";
  }

  function onEnd(m) {
    setModel(m.model, m.random_model);
    finishText();
    setRunning(false);
    wantOpen = false;
    setStatus("");
    if (m.status === "done") {
      startButton.hidden = true;
      if (m.verified) {
        showVerdict("ok", "✓ Verified by SymPy: the final answer is correct.", m.final_answer_latex);
      } else {
        var solution = document.getElementById("solution");
        var where = solution && !solution.hidden ? " Compare it with the worked solution above." :
          " Use the worked solution once you finish the problem.";
        showVerdict("bad", (m.final_answer_latex ? "This explanation's final answer is not right." :
          "This explanation did not reach a final answer.") + where, "");
      }
    } else if (m.status === "cancelled") {
      setStatus("Stopped.");
      startButton.textContent = "Show me how again";
    } else if (m.status === "interrupted" || m.status === "failed") {
      showVerdict("info", m.message || "The explanation stopped unexpectedly.", "");
      startButton.textContent = "Retry";
    }
    if (socket) socket.close(1000);
  }

  function onMessage(m) {
    switch (m.type) {
      case "ready":
        if (!m.can_start) startButton.hidden = true;
        if (pendingMessage) { send(pendingMessage); pendingMessage = null; }
        break;
      case "explanation":
        if (m.explanation !== explanationId) { explanationId = m.explanation; lastSeq = 0; resetText(""); verdictBox.hidden = true; }
        setModel(m.model, m.random_model);
        if (m.status === "pending" || m.status === "streaming") {
          setRunning(true);
          wantOpen = true;
          setStatus(m.status === "pending" ? aheadText(m.ahead) : "Writing…");
        }
        break;
      case "queue": setStatus(aheadText(m.ahead)); break;
      case "status":
        setModel(m.model, m.random_model);
        if (m.status === "streaming") setStatus("Writing…");
        break;
      case "chunk":
        if (m.seq !== lastSeq + 1) return; /* never happens: the server sends each entry once, in order */
        lastSeq = m.seq;
        if (statusLine.textContent !== "Writing…") setStatus("Writing…");
        appendText(m.text);
        break;
      case "snapshot": lastSeq = m.seq; resetText(m.text); break;
      case "end": lastSeq = m.seq; onEnd(m); break;
      case "idle": wantOpen = false; if (socket) socket.close(1000); break;
      case "error":
        wantOpen = false;
        setRunning(false);
        showVerdict("info", m.message || "Something went wrong.", "");
        break;
    }
  }

  /* ---------- the socket ---------- */
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else pendingMessage = message;
  }

  function connect(first) {
    pendingMessage = first;
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) {
      if (socket.readyState === WebSocket.OPEN) { send(first); pendingMessage = null; }
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + section.dataset.wsPath);
    socket = ws;
    ws.addEventListener("message", function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      retryDelay = 500;
      onMessage(m);
    });
    ws.addEventListener("close", function (ev) {
      if (socket === ws) socket = null;
      if (ev.code >= 4000) { wantOpen = false; setRunning(false); return; } /* refused: the error message says why */
      if (wantOpen && explanationId !== null) {
        setStatus("Connection lost. Reconnecting…");
        setTimeout(function () {
          if (wantOpen) connect({ type: "resume", explanation: explanationId, last_seq: lastSeq });
        }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 8000);
      }
    });
  }

  startButton.addEventListener("click", function () {
    verdictBox.hidden = true;
    setStatus("Starting…");
    wantOpen = true;
    connect({ type: "start", explanation: explanationId, last_seq: lastSeq });
  });
  stopButton.addEventListener("click", function () {
    send({ type: "stop" });
    setStatus("Stopping…");
  });

  /* watch the practice page: a submitted answer or a give-up makes "show me how" available */
  var observer = new MutationObserver(offer);
  observer.observe(document.getElementById("attempt-list"), { childList: true });
  observer.observe(document.getElementById("next-row"), { attributes: true, attributeFilter: ["hidden"] });
  offer();
})();
