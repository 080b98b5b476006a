// Trawl investigations: small conveniences on top of pages that work
// without JavaScript.
(function () {
  "use strict";
  var filters = document.getElementById("filters");
  if (filters) {
    // Send only the filters that are set, so links stay short and readable.
    filters.addEventListener("submit", function () {
      Array.prototype.forEach.call(filters.elements, function (el) {
        if (el.name && (el.value === "" || (el.name === "flagged" && el.value === "any" && hasOther(filters)))) {
          el.disabled = true;
        }
      });
    });
    // Changing a choice applies it at once.
    Array.prototype.forEach.call(filters.querySelectorAll("select, input[type=checkbox]"), function (el) {
      el.addEventListener("change", function () {
        if (filters.requestSubmit) { filters.requestSubmit(); } else { filters.submit(); }
      });
    });
  }
  function hasOther(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      return el.name && el.name !== "flagged" && el.name !== "sort" && el.name !== "order" && el.value !== "" &&
        (el.type !== "checkbox" || el.checked);
    });
  }

  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  // Queue: "/" searches, j/k move between rows, Enter opens one.
  var rows = document.querySelectorAll("table.sites tbody tr");
  var current = -1;
  function focusRow(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("focus"); }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("focus");
    rows[current].scrollIntoView({ block: "nearest" });
  }
  // Site page: c, f, n, x label the site (after the note, if any).
  var keys = { c: "confirmed", f: "false-positive", n: "needs-review", x: "cleared" };
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
      return;
    }
    if (e.key === "j") { focusRow(current + 1); return; }
    if (e.key === "k") { focusRow(current - 1); return; }
    if (e.key === "Enter" && current >= 0) {
      var a = rows[current].querySelector("a.site");
      if (a) { window.location = a.href; }
      return;
    }
    var button = keys[e.key] && document.getElementById("label-" + keys[e.key]);
    if (button) { e.preventDefault(); button.click(); }
  });
})();
