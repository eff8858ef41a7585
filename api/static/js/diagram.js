// Draw <pre class="mermaid"> blocks with the locally served mermaid (no CDN).
// engine/diagram.py writes every label as plain text (Mermaid's entity codes for markup and
// directive characters); "strict" keeps click handlers and scripts out of the drawing and
// sanitises the HTML labels, and a directive cannot loosen it (securityLevel is one of
// mermaid's "secure" keys). Labels stay HTML: in SVG text labels mermaid would show the
// entity codes themselves instead of the characters.
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
