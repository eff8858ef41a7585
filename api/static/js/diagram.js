// Draw <pre class="mermaid"> blocks with the locally served mermaid (no CDN).
// Labels are drawn as SVG text, never as HTML (htmlLabels off), and "strict" keeps
// click handlers and scripts out of the drawing; a directive in the text cannot change
// either (they are among mermaid's "secure" keys). engine/diagram.py writes every label as
// plain text already; this is the second wall.
(function () {
  "use strict";
  if (typeof window.mermaid === "undefined") return;
  window.mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    htmlLabels: false,
    flowchart: { htmlLabels: false },
    secure: ["secure", "securityLevel", "startOnLoad", "maxTextSize", "htmlLabels", "flowchart"],
    theme: "neutral"
  });
  window.mermaid.run({ querySelector: "pre.mermaid" }).then(function () {
    document.querySelectorAll(".diagram").forEach(function (el) { el.setAttribute("data-drawn", "true"); });
  });
})();
