// Live countdowns for deadline badges rendered by the server (.due[data-due]).
// Time is measured from the server's clock at render time, so a test clock or a skewed
// phone clock does not change what is shown.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="server-now"]');
  var textsEl = document.getElementById("due-texts");
  if (!meta || !textsEl) return;
  var texts = JSON.parse(textsEl.textContent);
  var serverNow = Date.parse(meta.content);
  var loaded = Date.now();
  var SOON_MS = texts.soon_hours * 3600 * 1000;

  function fill(tpl, values) {
    return tpl.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var parts = [];
    if (d) parts.push(fill(texts.d, { n: d }));
    if (h && parts.length < 2) parts.push(fill(texts.h, { n: h }));
    if ((m || !parts.length) && parts.length < 2 && !d) parts.push(fill(texts.min, { n: m }));
    return parts.join(texts.joiner);
  }
  function tick() {
    var now = serverNow + (Date.now() - loaded);
    document.querySelectorAll(".due[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      var status = left <= 0 ? "overdue" : left <= SOON_MS ? "soon" : "ok";
      el.classList.remove("due-ok", "due-soon", "due-overdue");
      el.classList.add("due-" + status);
      var st = el.querySelector(".due-status");
      var tx = el.querySelector(".due-text");
      if (st) st.textContent = texts.status[status];
      if (tx) tx.textContent = fill(left <= 0 ? texts.overdue : texts.left, { span: span(left) });
    });
  }
  tick();
  setInterval(tick, 30000);
})();
