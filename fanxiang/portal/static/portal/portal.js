// 返乡创业门户: small enhancements only (no inline scripts under the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", function () {
  // "获取验证码" counts down its cool-down (the server enforces it regardless)
  document.querySelectorAll("[data-countdown]").forEach(function (btn) {
    var left = parseInt(btn.getAttribute("data-countdown"), 10) || 0;
    var label = btn.textContent;
    function tick() {
      if (left <= 0) { btn.disabled = false; btn.textContent = label; return; }
      btn.disabled = true; btn.textContent = left + "秒后重发"; left -= 1; window.setTimeout(tick, 1000);
    }
    tick();
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
});
