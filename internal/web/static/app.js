// Callboard's own script. Every page works without it; it only enhances:
// the theme switch acts in place, destructive forms ask first, times show
// in the reader's zone. Pages opt in with data-* attributes, and later
// features register their own enhancers with Callboard.enhance.
(function () {
  "use strict";

  var enhancers = {};

  // enhance registers fn for elements carrying data-enhance="name" and
  // runs it on those already in the page.
  function enhance(name, fn) {
    enhancers[name] = fn;
    apply(document, name);
  }

  function apply(root, only) {
    var els = root.querySelectorAll("[data-enhance]");
    for (var i = 0; i < els.length; i++) {
      var names = els[i].getAttribute("data-enhance").split(/\s+/);
      for (var j = 0; j < names.length; j++) {
        var n = names[j];
        if ((only && n !== only) || !enhancers[n]) continue;
        var done = els[i].getAttribute("data-enhanced") || "";
        if ((" " + done + " ").indexOf(" " + n + " ") >= 0) continue;
        els[i].setAttribute("data-enhanced", (done + " " + n).trim());
        enhancers[n](els[i]);
      }
    }
  }

  // Theme: the same cycle as the server's /theme link, kept in the same
  // cookie, applied without a reload.
  var themes = ["auto", "dark", "light"];

  function setTheme(theme) {
    var root = document.documentElement;
    if (theme === "auto") {
      root.removeAttribute("data-theme");
      document.cookie = "theme=; Path=/; Max-Age=0; SameSite=Lax";
    } else {
      root.setAttribute("data-theme", theme);
      document.cookie = "theme=" + theme + "; Path=/; Max-Age=31536000; SameSite=Lax";
    }
  }

  function nextTheme(theme) {
    return themes[(themes.indexOf(theme) + 1) % themes.length];
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-theme-switch]");
    if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    var theme = nextTheme(link.getAttribute("data-theme-current") || "auto");
    setTheme(theme);
    link.setAttribute("data-theme-current", theme);
    var name = link.querySelector("[data-theme-name]");
    if (name) name.textContent = theme;
    var url = new URL(link.href, location.href);
    url.searchParams.set("set", nextTheme(theme));
    link.href = url.pathname + url.search;
  });

  // Forms with data-confirm ask before they submit.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  // <time data-enhance="local-time"> shows the reader's local time, with
  // the UTC time the server wrote kept as a tooltip.
  var timeFormat = window.Intl && new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  enhance("local-time", function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (!timeFormat || isNaN(d.getTime())) return;
    el.title = el.textContent;
    el.textContent = timeFormat.format(d);
  });

  window.Callboard = { enhance: enhance, apply: function (root) { apply(root || document); } };
})();
