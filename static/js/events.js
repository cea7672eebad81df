// The event page's live counts: poll the events blueprint's stats (session-authenticated JSON,
// the same numbers as GET /api/v1/events/{id}/stats) and write them into the page.
(function () {
  "use strict";
  var section = document.getElementById("live-counts");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-stats-url");
  var seconds = parseFloat(section.getAttribute("data-interval")) || 10;
  var note = document.getElementById("stats-updated");
  var timer = null;

  function set(element, value) {
    var text = value === null || value === undefined ? "" : String(value);
    if (element.textContent !== text) { element.textContent = text; }
  }

  function show(stats) {
    section.querySelectorAll("[data-stat]").forEach(function (el) {
      set(el, stats[el.getAttribute("data-stat")]);
    });
    section.querySelectorAll("tr[data-kind]").forEach(function (row) {
      var counts = (stats.by_kind || {})[row.getAttribute("data-kind")] || {};
      row.querySelectorAll("[data-kind-stat]").forEach(function (cell) {
        set(cell, counts[cell.getAttribute("data-kind-stat")] || 0);
      });
    });
    if (note) {
      var now = new Date();
      var time = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2) + ":" +
        ("0" + now.getSeconds()).slice(-2);
      set(note, note.getAttribute("data-label").replace("__TIME__", time));
    }
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(show)
      .catch(function () { if (note) { set(note, note.getAttribute("data-error")); } })
      .then(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    // A hidden tab does not poll; it refreshes as soon as it is shown again.
    if (!document.hidden) { timer = setTimeout(refresh, seconds * 1000); }
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  schedule();
})();
