// The overview's charts, drawn with Chart.js (served from node_modules, no CDN)
// from the figures the page holds in <script type="application/json"
// id="dashboard-data">. Every chart has a table with the same figures beside it,
// so nothing is lost when scripts or the canvas are unavailable.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;

  // Colours with at least 3:1 contrast on white (WCAG 1.4.11).
  var BLUE = "#0b3d5c", BROWN = "#8a4b00", GREEN = "#1b6e3a", RED = "#b00020", GREY = "#555555";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.font.size = 14;
  if (still) Chart.defaults.animation = false;
  // A phone gets taller charts, or their bars and labels would be squashed.
  var narrow = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
  var RATIO = narrow ? 1.3 : 3;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: true, plugins: { legend: { display: false } } },
      config.options || {}
    );
    return new Chart(canvas, config);
  }

  var days = data.daily.map(function (d) { return d.day; });
  var whole = { beginAtZero: true, ticks: { precision: 0 } };

  draw("chart-messages", {
    type: "bar",
    data: {
      labels: days,
      datasets: [{
        label: "Patient messages",
        data: data.daily.map(function (d) { return d.messages; }),
        backgroundColor: BLUE
      }]
    },
    options: { aspectRatio: RATIO, scales: { y: whole } }
  });

  draw("chart-share", {
    type: "line",
    data: {
      labels: days,
      datasets: [{
        label: "Not understood (% of patient messages)",
        // A day without messages has no share: a gap, not 0%.
        data: data.daily.map(function (d) {
          return d.not_understood_share === null ? null : Math.round(d.not_understood_share * 1000) / 10;
        }),
        borderColor: BROWN,
        backgroundColor: BROWN,
        pointRadius: 3,
        spanGaps: false
      }]
    },
    options: {
      aspectRatio: RATIO,
      scales: {
        y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: function (c) { return c.parsed.y + "% not understood"; } } }
      }
    }
  });

  var topics = data.top_topics || [];
  draw("chart-topics", {
    type: "bar",
    data: {
      labels: topics.map(function (t) { return t.topic; }),
      datasets: [{
        label: "Answers",
        data: topics.map(function (t) { return t.count; }),
        backgroundColor: BLUE
      }]
    },
    options: {
      indexAxis: "y",
      aspectRatio: narrow ? Math.max(0.8, 2.2 - topics.length * 0.14) : Math.max(1.5, 6 - topics.length * 0.4),
      scales: { x: whole }
    }
  });

  var r = data.reminders || {};
  draw("chart-reminders", {
    type: "bar",
    data: {
      labels: ["Delivered", "Failed", "Missed"],
      datasets: [{
        label: "Refill reminders",
        data: [r.delivered || 0, r.failed || 0, r.missed || 0],
        backgroundColor: [GREEN, RED, GREY]
      }]
    },
    options: { aspectRatio: RATIO, scales: { y: whole } }
  });
})();
