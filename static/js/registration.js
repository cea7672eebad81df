// Attendee rows on the registration and manage pages: add and remove within the allowed number.
// Without JavaScript the rows the server rendered still work.
(function () {
  "use strict";
  var container = document.getElementById("attendees");
  if (!container) { return; }
  var addButton = document.getElementById("add-attendee");
  var max = parseInt(container.getAttribute("data-max"), 10) || 1;

  function rows() { return container.querySelectorAll(".attendee-row"); }

  function renumber() {
    var all = rows();
    all.forEach(function (row, index) {
      row.setAttribute("data-index", index);
      row.querySelector(".attendee-number").textContent = index + 1;
      row.querySelectorAll("input, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/attendees-\d+-/, "attendees-" + index + "-")); }
        });
      });
      // a guest checked in at the door stays (the server refuses too)
      row.querySelector(".remove-attendee").classList.toggle("d-none",
        all.length < 2 || row.classList.contains("checked-in"));
    });
    if (addButton) { addButton.classList.toggle("d-none", all.length >= max); }
  }

  if (addButton) {
    addButton.addEventListener("click", function () {
      var all = rows();
      if (all.length >= max) { return; }
      var copy = all[all.length - 1].cloneNode(true);
      copy.classList.remove("checked-in");
      copy.querySelectorAll(".checked-in-note, .checked-in-badge").forEach(function (el) { el.remove(); });
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.removeAttribute("readonly");
        input.classList.remove("is-invalid");
      });
      copy.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
      container.appendChild(copy);
      renumber();
      var first = copy.querySelector("input[type=text], input:not([type=hidden])");
      if (first) { first.focus(); }
    });
  }

  container.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-attendee");
    if (!button || rows().length < 2 || button.closest(".checked-in")) { return; }
    button.closest(".attendee-row").remove();
    renumber();
  });

  renumber();
}());
