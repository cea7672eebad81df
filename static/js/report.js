/* The pipeline report's charts (Chart.js, vendored). Data comes from the page's JSON block:
   no inline script, so the Content-Security-Policy stays strict. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var stageColours = ["#6c757d", "#0dcaf0", "#0d6efd", "#fd7e14", "#198754", "#dc3545"];
  var funnelColours = ["#adb5bd", "#6ea8fe", "#0d6efd", "#fd7e14", "#198754"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false; // print and screenshots see the final picture at once

  function bar(canvas, labels, datasets, options) {
    if (!canvas) { return null; }
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false,
                               plugins: { legend: { display: datasets.length > 1 } } }, options || {})
    });
  }

  var charts = [];
  charts.push(bar(document.getElementById("chart-stages"), data.stages.labels, [
    { label: data.labels.projects, data: data.stages.counts, backgroundColor: stageColours }
  ], { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }));

  charts.push(bar(document.getElementById("chart-industries"), data.industries.labels, [
    { label: data.labels.amount, data: data.industries.amounts_yi, backgroundColor: "#0d6efd" }
  ], { indexAxis: "y", scales: { x: { beginAtZero: true } } }));

  data.events.forEach(function (event, index) {
    charts.push(bar(document.getElementById("chart-event-" + index), event.labels, [
      { label: data.labels.guests, data: event.values, backgroundColor: funnelColours }
    ], { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }));
  });
  document.body.setAttribute("data-charts", String(charts.filter(Boolean).length));

  var print = document.getElementById("print-report");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  // Charts redraw at the paper's width before printing.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { if (chart) { chart.resize(); } });
  });
})();
