// Invitations console: "select all" for the send form.
document.querySelectorAll("[data-select-all]").forEach(function (master) {
  var name = master.getAttribute("data-select-all");
  var form = master.closest("form");
  var boxes = function () { return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'); };
  master.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = master.checked; });
  });
  form.addEventListener("change", function (event) {
    if (event.target === master) return;
    var all = boxes();
    var checked = Array.prototype.filter.call(all, function (box) { return box.checked; }).length;
    master.checked = checked === all.length && all.length > 0;
    master.indeterminate = checked > 0 && checked < all.length;
  });
});
