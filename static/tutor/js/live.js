/* Dashboard: live mastery updates from ws/learner/ (answers given in another tab). Best effort. */
(function () {
  "use strict";
  if (!("WebSocket" in window)) return;
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var socket;
  try { socket = new WebSocket(scheme + window.location.host + "/ws/learner/"); } catch (e) { return; }
  socket.addEventListener("message", function (ev) {
    var msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (msg.type !== "mastery" || !msg.changes) return;
    Object.keys(msg.changes).forEach(function (code) {
      var percent = Math.round(msg.changes[code] * 100);
      document.querySelectorAll('.bar[data-skill="' + CSS.escape(code) + '"]').forEach(function (bar) {
        bar.setAttribute("aria-valuenow", String(percent));
        bar.setAttribute("aria-valuetext", percent + "% mastered");
        bar.querySelector(".bar-fill").style.width = percent + "%";
      });
      document.querySelectorAll('[data-pct-for="' + CSS.escape(code) + '"]').forEach(function (el) { el.textContent = percent + "%"; });
    });
  });
})();
