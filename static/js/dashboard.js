/* Class dashboard charts (Chart.js, served from node_modules): answers per day, mastery by skill, and
 * right-first-time per template. Data comes from the page's #dashboard-data JSON (no extra request). */
(function () {
  "use strict";

  function data() {
    var node = document.getElementById("dashboard-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function emptyNote(canvas, text) {
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    canvas.parentNode.replaceWith(p);
  }

  function percentAxis() {
    return { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } };
  }

  function draw() {
    var d = data();
    if (!d || typeof window.Chart !== "function") return;
    var Chart = window.Chart;
    var ok = css("--ok", "#17683f"), bad = css("--bad", "#a3261b"), primary = css("--primary", "#3346c4");
    var threshold = Number(d.threshold || 95);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = css("--muted", "#566074");
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.datasets.bar.maxBarThickness = 28;

    var activity = document.getElementById("chart-activity");
    if (activity) {
      var total = d.activity.correct.concat(d.activity.incorrect).reduce(function (a, b) { return a + b; }, 0);
      if (!total) emptyNote(activity, "No answers in the last two weeks.");
      else new Chart(activity, {
        type: "bar",
        data: {
          labels: d.activity.labels.map(function (s) { return s.slice(5); }),
          datasets: [
            { label: "Correct", data: d.activity.correct, backgroundColor: ok, stack: "a" },
            { label: "Incorrect", data: d.activity.incorrect, backgroundColor: bad, stack: "a" }
          ]
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
                   plugins: { legend: { position: "bottom" } } }
      });
    }

    var skills = document.getElementById("chart-skills");
    if (skills) {
      if (!d.skills.labels.length) emptyNote(skills, "The chart fills in as students practise.");
      else new Chart(skills, {
        type: "bar",
        data: { labels: d.skills.labels, datasets: [{ label: "Mean mastery", data: d.skills.means,
          backgroundColor: d.skills.means.map(function (m) { return m !== null && m >= threshold ? ok : primary; }) }] },
        options: { indexAxis: "y", scales: { x: percentAxis() }, plugins: { legend: { display: false } } }
      });
    }

    var templates = document.getElementById("chart-templates");
    if (templates) {
      if (!d.templates.labels.length) emptyNote(templates, "No answers yet.");
      else new Chart(templates, {
        type: "bar",
        data: { labels: d.templates.labels, datasets: [{ label: "Right first time", data: d.templates.first_try,
          backgroundColor: primary }] },
        options: { indexAxis: "y", scales: { x: percentAxis() }, plugins: { legend: { display: false } } }
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
