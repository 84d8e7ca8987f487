// Draws the dashboards' charts (Chart.js, served from static/vendor) from data-* attributes:
// <canvas data-chart="bar|line|doughnut" data-labels='[...]' data-values='[...]'
//   data-unit="%" data-series="...">. The same numbers are in a table on the page.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var COLORS = ["#1f4e8c", "#2e9e4f", "#e0a800", "#7b5cd6", "#8a94a6", "#d93025", "#0f8a8a"];
  var STATE_COLORS = ["#6f8fbf", "#e0a800", "#7b5cd6", "#2e9e4f", "#b8c0cc"];
  var charts = [];

  function parse(el, name) {
    try { return JSON.parse(el.getAttribute(name) || "[]"); } catch (e) { return []; }
  }

  function numbers(values) {
    return values.map(function (v) { return v === null || v === "" ? null : Number(v); });
  }

  function draw(canvas) {
    var kind = canvas.getAttribute("data-chart");
    var labels = parse(canvas, "data-labels");
    var values = numbers(parse(canvas, "data-values"));
    var unit = canvas.getAttribute("data-unit") || "";
    var percent = unit === "%";
    var horizontal = kind === "bar";
    var box = canvas.parentNode;
    if (horizontal) {
      box.style.height = Math.max(160, labels.length * 30 + 50) + "px";
    }
    var dataset = {
      label: canvas.getAttribute("data-series") || "",
      data: values,
      backgroundColor: kind === "doughnut" ? STATE_COLORS : COLORS[0],
      borderColor: kind === "line" ? COLORS[0] : undefined,
      pointRadius: kind === "line" ? 3 : undefined,
      spanGaps: true
    };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: kind === "doughnut", position: "right" },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var v = horizontal ? ctx.parsed.x : (kind === "doughnut" ? ctx.parsed : ctx.parsed.y);
              return (v === null || v === undefined) ? "–" : v + unit;
            }
          }
        }
      }
    };
    if (kind !== "doughnut") {
      var valueAxis = { beginAtZero: true, ticks: { callback: function (v) { return v + unit; } } };
      if (percent) { valueAxis.max = 100; }
      options.scales = horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false } } } : { y: valueAxis };
      if (horizontal) { options.indexAxis = "y"; }
    }
    charts.push(new window.Chart(canvas, {
      type: kind,
      data: { labels: labels, datasets: [dataset] },
      options: options
    }));
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
    // Redraw at the paper's width when printing, and back afterwards.
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
