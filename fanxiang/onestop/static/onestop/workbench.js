// Window workbench: after each look-up the ID field's text is selected, so the next scan (a USB scanner
// types the number and Enter) replaces it instead of being appended. No inline scripts (CSP).
document.addEventListener("htmx:afterRequest", function (ev) {
  var form = ev.target && ev.target.closest ? ev.target.closest("[data-lookup]") : null;
  if (!form) { return; }
  var input = form.querySelector("input[name=id_number]");
  if (input) { input.focus(); input.select(); }
});
