// Callboard's script for the search boxes. Without it a search box is a
// plain form that opens the search page. With it, a box marked
// data-enhance="search-box" becomes a combobox: from two characters on it
// lists suggestions as the reader types (asked of /search/suggest a
// moment after the last key), arrow keys move through them, Enter opens
// the chosen one (or the search page when none is), Escape closes the
// list. The list is rendered by the server, already escaped. ("/" is
// the page script's: it focuses the page's own search box, which on the
// search page is its query, else the header's.)
(function () {
  "use strict";

  var C = window.Callboard;
  if (!C) return;

  var minChars = 2;
  var delay = 150;
  var boxes = 0;

  C.enhance("search-box", function (form) {
    var input = form.querySelector("input[type=search]");
    if (!input) return;
    var id = (input.id || "search-box-" + ++boxes) + "-suggestions";
    var list = document.createElement("ul");
    list.id = id;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    form.classList.add("suggest-box");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    var timer = null;
    var seq = 0;
    var active = -1;
    var shownFor = null;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function open() {
      if (!options().length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function setActive(i) {
      var opts = options();
      active = i;
      for (var j = 0; j < opts.length; j++) opts[j].setAttribute("aria-selected", j === i ? "true" : "false");
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // leaving is set once an entry is chosen: the form must not submit
    // on the way out (Enter's keypress may still reach it).
    var leaving = false;

    function choose(opt) {
      var href = opt && opt.getAttribute("data-href");
      if (!href) return;
      leaving = true;
      location.assign(href);
    }

    form.addEventListener("submit", function (ev) {
      if (leaving) ev.preventDefault();
    });
    // Back to a page kept in the browser's cache: the box works again.
    window.addEventListener("pageshow", function () {
      leaving = false;
      close();
    });

    function show(doc, query) {
      var items = doc.querySelectorAll("[role=option]");
      list.replaceChildren();
      for (var i = 0; i < items.length; i++) {
        var node = document.importNode(items[i], true);
        node.id = id + "-" + i;
        node.setAttribute("aria-selected", "false");
        list.appendChild(node);
      }
      shownFor = query;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var found = items.length - 1;
      status.textContent = found > 0 ? found + (found === 1 ? " suggestion" : " suggestions") : "No suggestions";
      if (document.activeElement === input) open();
    }

    function suggest() {
      var q = input.value.trim();
      if (q.length < minChars) {
        seq++;
        shownFor = null;
        list.replaceChildren();
        status.textContent = "";
        close();
        return;
      }
      if (q === shownFor) {
        open();
        return;
      }
      var mine = ++seq;
      fetch("/search/suggest?query=" + encodeURIComponent(q), { credentials: "same-origin" }).then(function (res) {
        if (!res.ok || (res.headers.get("Content-Type") || "").indexOf("text/html") !== 0) throw new Error("status " + res.status);
        return res.text();
      }).then(function (text) {
        if (mine !== seq) return;
        show(new DOMParser().parseFromString(text, "text/html"), q);
      }).catch(function () {
        if (mine === seq) close();
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, delay);
    });

    input.addEventListener("keydown", function (ev) {
      var opts = options();
      switch (ev.key) {
        case "ArrowDown":
        case "ArrowUp":
          if (!opts.length) return;
          ev.preventDefault();
          if (list.hidden) {
            open();
            setActive(ev.key === "ArrowDown" ? 0 : opts.length - 1);
            return;
          }
          var next = active + (ev.key === "ArrowDown" ? 1 : -1);
          if (next >= opts.length) next = 0;
          if (next < 0) next = opts.length - 1;
          setActive(next);
          return;
        case "Enter":
          if (!list.hidden && active >= 0 && opts[active]) {
            ev.preventDefault();
            choose(opts[active]);
          }
          return;
        case "Escape":
          if (!list.hidden) {
            ev.preventDefault();
            close();
          }
          return;
        case "Tab":
          close();
      }
    });

    // A click on an entry opens it; pressing the mouse keeps the focus in
    // the box, so the list is still there when the click lands.
    list.addEventListener("mousedown", function (ev) {
      ev.preventDefault();
    });
    list.addEventListener("click", function (ev) {
      choose(ev.target.closest("[role=option]"));
    });
    input.addEventListener("focus", function () {
      if (input.value.trim() === shownFor) open();
    });
    input.addEventListener("blur", function () {
      close();
    });
  });
})();
