// Running total of a form's checked boxes: a form with data-sum-limit shows the sum of the
// data-cost of its checked boxes in its [data-sum-output], and reveals [data-sum-over] when the
// sum is over the limit. The server checks the same limit; this only helps while choosing.
(function () {
  "use strict";
  function update(form) {
    var limit = Number(form.getAttribute("data-sum-limit"));
    var total = 0;
    form.querySelectorAll("input[type=checkbox][data-cost]:checked").forEach(function (box) {
      total += Number(box.getAttribute("data-cost")) || 0;
    });
    var out = form.querySelector("[data-sum-output]");
    if (out) {
      out.textContent = total.toLocaleString(document.documentElement.lang || "fr");
    }
    var over = form.querySelector("[data-sum-over]");
    if (over) {
      over.hidden = total <= limit;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-sum-limit]").forEach(function (form) {
      form.addEventListener("change", function () { update(form); });
      update(form);
    });
  });
})();
