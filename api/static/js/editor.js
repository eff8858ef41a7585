// The definition editor: checks the draft as you type and points at the line of each error.
// Without this script the form still checks the draft on submit (the "Check" button).
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var source = document.getElementById("source");
  var check = document.getElementById("check");
  if (!form || !source || !check) return;
  var url = form.getAttribute("data-validate-url");
  var csrf = form.querySelector('input[name="csrf_token"]').value;
  var timer = null;
  var seq = 0;

  // A line-number gutter beside the source; lines with errors are marked.
  var wrap = source.parentNode;
  var gutter = document.createElement("pre");
  gutter.className = "gutter";
  gutter.setAttribute("aria-hidden", "true");
  wrap.classList.add("with-gutter");
  wrap.insertBefore(gutter, source);
  var bad = {};

  function drawGutter() {
    var n = source.value.split("\n").length;
    var out = [];
    for (var i = 1; i <= n; i++) out.push(bad[i] ? '<mark title="' + escapeHtml(bad[i]) + '">' + i + "</mark>" : String(i));
    gutter.innerHTML = out.join("\n");
    gutter.scrollTop = source.scrollTop;
  }
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
  function goTo(line, col) {
    var lines = source.value.split("\n");
    var pos = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    var end = pos + (lines[line - 1] || "").length;
    source.focus();
    source.setSelectionRange(pos + Math.max(0, col - 1), end);
    var lineHeight = parseFloat(getComputedStyle(source).lineHeight) || 18;
    source.scrollTop = Math.max(0, (line - 5) * lineHeight);
    gutter.scrollTop = source.scrollTop;
  }
  function render(result) {
    bad = {};
    check.innerHTML = "";
    if (result.ok) {
      var p = document.createElement("p");
      p.className = "valid";
      p.id = "check-summary";
      p.textContent = result.summary;
      check.appendChild(p);
    } else {
      var box = document.createElement("div");
      box.className = "error-summary";
      var head = document.createElement("p");
      head.id = "check-summary";
      head.textContent = result.summary;
      box.appendChild(head);
      var ul = document.createElement("ul");
      ul.className = "problems";
      ul.id = "problems";
      result.problems.forEach(function (pr) {
        bad[pr.line] = pr.message;
        var li = document.createElement("li");
        li.setAttribute("data-line", pr.line);
        li.setAttribute("data-col", pr.col);
        var a = document.createElement("a");
        a.href = "#source";
        a.className = "problem-link";
        a.setAttribute("data-line", pr.line);
        a.setAttribute("data-col", pr.col);
        a.textContent = pr.where;
        li.appendChild(a);
        li.appendChild(document.createTextNode((pr.key ? " · " + pr.key : "") + ": " + pr.message + (pr.hint ? " (" + pr.hint + ")" : "")));
        ul.appendChild(li);
      });
      box.appendChild(ul);
      check.appendChild(box);
    }
    drawGutter();
  }
  function validate() {
    var mine = ++seq;
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("source", source.value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result && mine === seq) render(result); })
      .catch(function () { /* offline: the Check button still works */ });
  }
  check.addEventListener("click", function (ev) {
    var a = ev.target.closest(".problem-link");
    if (!a) return;
    ev.preventDefault();
    goTo(parseInt(a.getAttribute("data-line"), 10), parseInt(a.getAttribute("data-col"), 10));
  });
  source.addEventListener("input", function () {
    drawGutter();
    clearTimeout(timer);
    timer = setTimeout(validate, 400);
  });
  source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });
  // Tab inserts two spaces (YAML); Escape then Tab leaves the field, so the keyboard never traps.
  var escaped = false;
  source.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { escaped = true; return; }
    if (ev.key === "Tab" && !ev.shiftKey && !escaped) {
      ev.preventDefault();
      var s = source.selectionStart;
      source.setRangeText("  ", s, source.selectionEnd, "end");
      source.dispatchEvent(new Event("input"));
    }
    escaped = false;
  });
  document.querySelectorAll("#problems li").forEach(function (li) {
    bad[li.getAttribute("data-line")] = li.textContent.trim();
  });
  drawGutter();
  validate();
})();
