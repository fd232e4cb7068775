// Loan application form: show the parts that apply to the chosen borrower type / counter-guarantee.
// Without JavaScript every part stays visible (the service decides what is required).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-show-scope]").forEach(function (form) {
    var parts = form.querySelectorAll("[data-show-when]");
    function update() {
      parts.forEach(function (el) {
        var rule = el.getAttribute("data-show-when");
        var negate = rule.indexOf("!=") > 0;
        var pair = rule.split(negate ? "!=" : "=");
        var field = form.querySelector("[name='" + pair[0] + "']");
        if (!field) { return; }
        var match = pair[1].split(",").indexOf(field.value) >= 0;
        el.hidden = negate ? match : !match;
      });
    }
    form.addEventListener("change", update);
    update();
  });
});
