// Callboard's own script. Every page works without it; it only enhances:
// the theme switch acts in place, destructive forms ask first, times show
// in the reader's zone, filters and paging update the page in place,
// slow parts of a page load after it, and "/" jumps to the search box.
// Pages opt in with data-* attributes, and later features register their
// own enhancers with Callboard.enhance.
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

  // ---- Regions: parts of a page the server can send again ------------
  // Elements with data-region and an id are replaced by their namesakes
  // in a freshly fetched copy of a page. Focus stays on the control that
  // had it, found again by id or by name and value.
  var status = null;

  function announce(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = text;
  }

  function swapRegions(doc, onlyParts) {
    var active = document.activeElement;
    var focus = active && active !== document.body ? { id: active.id, name: active.name, value: active.value } : null;
    var regions = document.querySelectorAll("[data-region][id]");
    for (var i = 0; i < regions.length; i++) {
      var old = regions[i];
      if (onlyParts && !old.hasAttribute("data-part")) continue;
      var fresh = doc.getElementById(old.id);
      if (!fresh) continue;
      var node = document.importNode(fresh, true);
      old.replaceWith(node);
      apply(node);
    }
    if (doc.title) document.title = doc.title;
    if (focus && !document.contains(active)) {
      var again = (focus.id && document.getElementById(focus.id)) ||
        (focus.name && document.querySelector('[name="' + CSS.escape(focus.name) + '"][value="' + CSS.escape(focus.value || "") + '"]'));
      if (again) again.focus();
    }
  }

  function fetchPage(url, wait) {
    var headers = wait ? { "Callboard-Parts": "wait" } : {};
    return fetch(url, { headers: headers, credentials: "same-origin" }).then(function (res) {
      if (!res.ok || (res.headers.get("Content-Type") || "").indexOf("text/html") !== 0) throw new Error("status " + res.status);
      return res.text();
    }).then(function (text) {
      return new DOMParser().parseFromString(text, "text/html");
    });
  }

  // Slow parts: the server rendered a placeholder (data-part); ask again,
  // telling it to wait, and swap them in.
  function loadParts() {
    if (!document.querySelector("[data-part]")) return;
    fetchPage(location.href, true).then(function (doc) { swapRegions(doc, true); }).catch(function () {});
  }

  // ---- Live views: filters and paging without a page load ------------
  var seq = 0;

  function navigate(url, push) {
    var mine = ++seq;
    var results = document.getElementById("results");
    if (results) results.setAttribute("aria-busy", "true");
    fetchPage(url, false).then(function (doc) {
      if (mine !== seq) return;
      if (push) history.pushState({ live: true }, "", url);
      swapRegions(doc, false);
      var heading = document.querySelector("#results h2");
      if (heading) announce(heading.textContent);
      loadParts();
    }).catch(function () {
      location.assign(url);
    });
  }

  // formURL is the address the form would submit to. A new kind starts
  // over: the other kind's filter values would match nothing.
  var keepOnKindChange = ["kind", "text", "user", "sort", "dir", "limit"];

  function formURL(form, kindChanged) {
    var params = new URLSearchParams();
    var data = new FormData(form);
    data.forEach(function (value, key) {
      if (kindChanged && keepOnKindChange.indexOf(key) < 0) return;
      if (typeof value === "string" && value.trim() !== "") params.append(key, value.trim());
    });
    var q = params.toString();
    return form.getAttribute("action") + (q ? "?" + q : "");
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || !form.matches || !form.matches("form[data-live]")) return;
    ev.preventDefault();
    navigate(formURL(form), true);
  });

  var typing = null;
  document.addEventListener("change", function (ev) {
    var form = ev.target.form;
    if (!form || !form.matches("form[data-live]") || ev.target.type === "search") return;
    navigate(formURL(form, ev.target.name === "kind"), true);
  });
  document.addEventListener("input", function (ev) {
    var form = ev.target.form;
    if (!form || !form.matches("form[data-live]") || ev.target.type !== "search") return;
    clearTimeout(typing);
    typing = setTimeout(function () { navigate(formURL(form), true); }, 350);
  });

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-live]");
    if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(link.getAttribute("href"), true);
    if (link.closest(".pager")) {
      var results = document.getElementById("results");
      if (results) results.scrollIntoView({ block: "start" });
    }
  });

  window.addEventListener("popstate", function (ev) {
    if (ev.state && ev.state.live) navigate(location.href, false);
  });
  if (document.querySelector("form[data-live]")) history.replaceState({ live: true }, "", location.href);

  // The filters start folded on narrow screens, where they would push
  // the results below the fold.
  enhance("filters-toggle", function (el) {
    if (window.matchMedia && window.matchMedia("(max-width: 52rem)").matches) el.removeAttribute("open");
  });

  // "/" focuses the page's search box, as on many sites.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    var t = ev.target;
    if (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) return;
    var box = document.getElementById("f-text") || document.getElementById("home-search") || document.getElementById("site-search");
    if (!box) return;
    ev.preventDefault();
    box.focus();
    box.select();
  });

  loadParts();

  window.Callboard = { enhance: enhance, apply: function (root) { apply(root || document); } };
})();
