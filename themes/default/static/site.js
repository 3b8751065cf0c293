/* chronicle: the small script every page loads. Dark-mode toggle (the
   choice is remembered; the inline script in <head> applies it before the
   first paint) and the ← / → keys for the previous and next report. */
(function () {
  "use strict";
  var KEY = "chronicle-theme";
  var html = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function systemTheme() { return system && system.matches ? "dark" : "light"; }
  function current() { return html.getAttribute("data-theme") || systemTheme(); }

  var button = document.getElementById("theme-toggle");
  function sync() { if (button) button.setAttribute("aria-pressed", String(current() === "dark")); }
  if (button) {
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      // Choosing what the system already says means "follow the system" again.
      try {
        if (next === systemTheme()) localStorage.removeItem(KEY); else localStorage.setItem(KEY, next);
      } catch (e) { /* storage disabled: the choice lasts for this page */ }
      sync();
    });
  }
  if (system && system.addEventListener) system.addEventListener("change", sync);
  sync();

  /* ← and → follow the page's rel="prev" / rel="next" links, except while
     typing or with a modifier held (Alt+← is the browser's Back). */
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var rel = e.key === "ArrowLeft" ? "prev" : e.key === "ArrowRight" ? "next" : null;
    if (!rel) return;
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) { e.preventDefault(); window.location.href = link.href; }
  });
})();
