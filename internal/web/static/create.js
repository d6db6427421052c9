// Callboard's script for the Create pages. The pages work without it;
// it only enhances: a template's form asks the server for its fields
// again when an answer that others depend on changes, lists gain an empty
// entry in place, the error summary takes the focus, and a running task's
// page follows the task's events as they happen.
(function () {
  "use strict";

  var C = window.Callboard;
  if (!C) return;

  // An error summary (or a form error) takes the focus, so screen
  // readers announce it and the keyboard starts there.
  C.enhance("focus-on-load", function (el) {
    el.focus();
  });

  // ---- Template forms ------------------------------------------------
  // The fields are the region #wizard-fields; the form's hidden state
  // comes back with them.
  var pending = null;

  function refreshForm(form, control) {
    var data = new URLSearchParams(new FormData(form));
    data.set("_action", "refresh");
    var mine = {};
    pending = mine;
    var fields = document.getElementById("wizard-fields");
    if (fields) fields.setAttribute("aria-busy", "true");
    var focusID = control && control.id;
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (res) {
      if (!res.ok || (res.headers.get("Content-Type") || "").indexOf("text/html") !== 0) throw new Error("status " + res.status);
      return res.text();
    }).then(function (text) {
      if (pending !== mine) return;
      var doc = new DOMParser().parseFromString(text, "text/html");
      var freshFields = doc.getElementById("wizard-fields");
      if (!freshFields || !fields) throw new Error("no fields in the answer");
      fields.replaceWith(document.importNode(freshFields, true));
      ["_values", "_choices", "_draft"].forEach(function (name) {
        var fresh = doc.querySelector('#wizard-form input[name="' + name + '"]');
        var old = form.querySelector('input[name="' + name + '"]');
        if (fresh && old) old.value = fresh.value;
        else if (fresh && !old) form.appendChild(document.importNode(fresh, true));
      });
      C.apply(document.getElementById("wizard-fields"));
      var again = focusID && document.getElementById(focusID);
      if (again) again.focus();
    }).catch(function () {
      // Without an answer, the page still works: the next submit shows
      // the fields.
      var f = document.getElementById("wizard-fields");
      if (f) f.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("change", function (ev) {
    var el = ev.target;
    var form = el.form;
    if (!form || !form.hasAttribute("data-wizard") || !el.hasAttribute("data-controls")) return;
    refreshForm(form, el);
  });

  // "Add another" adds an empty entry to a list of values in place.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("button[data-add-item]");
    if (!btn) return;
    var list = btn.parentElement && btn.parentElement.querySelector("[data-list]");
    var last = list && list.lastElementChild;
    if (!last) return;
    ev.preventDefault();
    var item = last.cloneNode(true);
    var n = list.children.length;
    var input = item.querySelector("input");
    var label = item.querySelector("label");
    if (!input || !label) return;
    var base = input.id.replace(/-\d+$/, "");
    input.id = base + "-" + n;
    input.value = "";
    label.setAttribute("for", input.id);
    label.textContent = label.textContent.replace(/\d+$/, String(n + 1));
    list.appendChild(item);
    input.focus();
  });

  // ---- Task pages ----------------------------------------------------
  // The page names its event stream; each event adds a log line, and a
  // change of status fetches the page again to show the steps, the
  // status and, at the end, the output.
  var regions = ["task-head", "task-steps", "task-result"];

  function refreshTask() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error("status " + res.status);
      return res.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      regions.forEach(function (id) {
        var old = document.getElementById(id);
        var fresh = doc.getElementById(id);
        if (old && fresh) {
          var node = document.importNode(fresh, true);
          old.replaceWith(node);
          C.apply(node);
        }
      });
      if (doc.title) document.title = doc.title;
    });
  }

  // A running step's time counts on, written as the server writes it.
  function duration(ms) {
    if (ms < 1000) return Math.max(0, Math.floor(ms)) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    if (ms < 3600000) return Math.floor(ms / 60000) + " min " + Math.floor(ms / 1000) % 60 + " s";
    return Math.floor(ms / 3600000) + " h " + Math.floor(ms / 60000) % 60 + " min";
  }

  setInterval(function () {
    var els = document.querySelectorAll("[data-started]");
    for (var i = 0; i < els.length; i++) {
      var start = Date.parse(els[i].getAttribute("data-started"));
      if (!isNaN(start)) els[i].textContent = duration(Date.now() - start);
    }
  }, 1000);

  function clock(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    return d.toISOString().slice(11, 19);
  }

  function addLogLine(log, ev) {
    var body = ev.body || {};
    if (!body.message) return;
    var li = document.createElement("li");
    li.className = "log__line";
    var t = document.createElement("time");
    t.setAttribute("datetime", ev.createdAt);
    t.textContent = clock(ev.createdAt);
    li.appendChild(t);
    if (body.stepId) {
      li.appendChild(document.createTextNode(" "));
      var step = document.createElement("span");
      step.className = "log__step";
      step.textContent = body.stepId;
      li.appendChild(step);
    }
    li.appendChild(document.createTextNode(" "));
    var msg = document.createElement("span");
    msg.className = "log__msg";
    msg.textContent = body.message;
    li.appendChild(msg);
    var atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.appendChild(li);
    if (atEnd) log.scrollTop = log.scrollHeight;
  }

  var task = document.querySelector("[data-task-stream]");
  if (task && task.hasAttribute("data-running") && window.EventSource) {
    var url = task.getAttribute("data-task-stream") + "?after=" + encodeURIComponent(task.getAttribute("data-after") || "0");
    var es = new EventSource(url);
    var log = document.getElementById("task-log");
    var busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      refreshTask().catch(function () {}).then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
    };
    var handle = function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; }
      if (ev.type !== "completion" && log) addLogLine(log, ev);
      if (ev.type === "completion") {
        es.close();
        task.removeAttribute("data-running");
        refresh();
      } else if ((ev.body && ev.body.status) || ev.type === "cancelled" || ev.type === "recovered") {
        refresh();
      }
    };
    ["log", "completion", "cancelled", "recovered"].forEach(function (type) {
      es.addEventListener(type, handle);
    });
  }
})();
