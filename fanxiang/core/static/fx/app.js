// Small progressive enhancements; no inline scripts (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  var toggle = document.querySelector("[data-toggle=sidenav]");
  if (toggle) {
    toggle.addEventListener("click", function () {
      document.getElementById("sidenav").classList.toggle("open");
    });
  }
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("submit", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    if (typeof echarts === "undefined") { return; }
    var option = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

// A live field check (HTMX from a field's input into a .live-check, its verdict in data-check="ok|warn|err")
// is newer than the errors the server rendered under that field at the last save: it replaces them, so a
// corrected value never shows a stale error next to "校验通过" (and a failing one marks the field again).
document.addEventListener("htmx:afterSwap", function (ev) {
  var detail = ev.detail || {}, target = detail.target;
  if (!target || !target.classList || !target.classList.contains("live-check")) { return; }
  // the field whose input asked (htmx 2 names it in requestConfig; else the one aiming at this target)
  var input = (detail.requestConfig && detail.requestConfig.elt) ||
    (target.id && document.querySelector('[hx-target="#' + target.id + '"]'));
  var row = input && input.closest ? input.closest(".form-row") : null;
  if (!row) { return; }
  var verdicts = Array.prototype.map.call(target.querySelectorAll("[data-check]"), function (el) {
    return el.getAttribute("data-check");
  });
  if (!verdicts.length) { return; }
  row.querySelectorAll(".errorlist").forEach(function (el) { el.remove(); });
  row.classList.toggle("has-error", verdicts.indexOf("err") >= 0 || verdicts.indexOf("warn") >= 0);
});
