// The printed header of a page (print.css): the page's heading and the print time in Beijing time.
(function () {
  function beijingNow() {
    var parts = {};
    new Intl.DateTimeFormat("zh-CN", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }
  window.addEventListener("beforeprint", function () {
    var header = document.querySelector(".print-header");
    if (!header) { return; }
    var title = header.querySelector(".print-title");
    var heading = document.querySelector("main h1");
    if (title && heading) { title.textContent = heading.textContent.replace(/\s+/g, " ").trim(); }
    var time = header.querySelector("[data-print-time]");
    if (time) { time.textContent = "打印时间：" + beijingNow() + "（北京时间）"; }
  });
})();
