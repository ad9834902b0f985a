// The bank list: "select all" for the bulk actions, and a confirmation before retiring.
(function () {
  "use strict";

  var form = document.getElementById("bulk-form");
  if (!form) {
    return;
  }
  var all = form.querySelector("[data-pick-all]");
  var boxes = form.querySelectorAll("input[name=ids]");

  function sync() {
    var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; });
    all.checked = ticked.length > 0 && ticked.length === boxes.length;
    all.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
  }

  if (all) {
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
    });
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", sync); });
  }

  form.addEventListener("submit", function (event) {
    var action = form.querySelector("[name=bulk_action]");
    if (action && action.value === "retire" && !window.confirm(form.getAttribute("data-confirm-retire"))) {
      event.preventDefault();
    }
  });
})();
