// Batch selection on list pages (core/filtered_list.html): select-all on the page, the count of ticked
// rows, batch buttons enabled only with a selection. No inline scripts (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-batch]").forEach(function (form) {
    var all = form.querySelector("input[data-select-all]");
    var boxes = function () { return form.querySelectorAll("input[name=ids]"); };
    var update = function () {
      var n = 0;
      boxes().forEach(function (b) { if (b.checked) { n += 1; } });
      form.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
      form.querySelectorAll("[data-batch-action]").forEach(function (b) { b.disabled = n === 0; });
      if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
    };
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    boxes().forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
});
