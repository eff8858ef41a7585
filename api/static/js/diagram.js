// Draw <pre class="mermaid"> blocks with the locally served mermaid (no CDN).
(function () {
  "use strict";
  if (typeof window.mermaid === "undefined") return;
  window.mermaid.initialize({
    startOnLoad: false, securityLevel: "strict", theme: "neutral"
  });
  window.mermaid.run({ querySelector: "pre.mermaid" }).then(function () {
    document.querySelectorAll(".diagram").forEach(function (el) { el.setAttribute("data-drawn", "true"); });
  });
})();
