/* The monthly report's chart: the teams' completion rates (Chart.js, vendored; data from the page's JSON). */
(function () {
  "use strict";
  var print = document.getElementById("print-report");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var source = document.getElementById("monthly-data");
  var canvas = document.getElementById("chart-teams");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.teams, datasets: [{ data: data.scores, backgroundColor: "#0d6efd" }] },
    options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
               scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return v + "%"; } } } } }
  });
  document.body.setAttribute("data-charts", "1");
}());
