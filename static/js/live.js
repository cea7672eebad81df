// The organiser's live check-in view: reload the #live part every few seconds.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) return;
  var url = box.getAttribute("data-refresh-url");
  var every = parseInt(box.getAttribute("data-interval"), 10) || 5000;
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { setTimeout(refresh, every); });
  }
  setTimeout(refresh, every);
})();
