// Callboard's workflow graph: on a running task's page, each event that
// names a step and a status recolours that step's box at once; the graph
// is fetched again when the task ends, so it shows the final state.
(function () {
  "use strict";

  var task = document.querySelector("[data-task-stream][data-running]");
  var graph = document.getElementById("task-graph");
  if (!task || !graph || !window.EventSource) return;

  // The same words and glyphs as the server (workflow.go).
  var labels = {
    open: "Not started", processing: "Running", waiting: "Waiting", completed: "Completed",
    failed: "Failed", skipped: "Skipped", cancelled: "Cancelled"
  };
  var icons = {
    open: "○", processing: "▶", waiting: "‖", completed: "✓", failed: "✕", skipped: "↷", cancelled: "⊘"
  };

  function setStatus(stepId, status) {
    if (!labels[status]) return;
    var nodes = graph.querySelectorAll(".wf-node");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.getAttribute("data-step") !== stepId) continue;
      var cls = node.getAttribute("class").replace(/\bwf-node--(open|processing|waiting|completed|failed|skipped|cancelled)\b/g, "").replace(/\s+/g, " ").trim();
      node.setAttribute("class", cls + " wf-node--" + status);
      var approval = node.hasAttribute("data-approval");
      var label = node.querySelector(".wf-node__label");
      if (label) label.textContent = status === "waiting" && approval ? "Waiting for approval" : labels[status];
      var icon = node.querySelector(".wf-node__icon");
      if (icon) icon.textContent = icons[status];
    }
    var waits = graph.querySelectorAll("[data-wf-wait]");
    for (var j = 0; j < waits.length; j++) {
      if (waits[j].getAttribute("data-wf-wait") === stepId) waits[j].hidden = status !== "waiting";
    }
  }

  function reload() {
    fetch(location.href, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error("status " + res.status);
      return res.text();
    }).then(function (text) {
      var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("task-graph");
      if (fresh) {
        var node = document.importNode(fresh, true);
        graph.replaceWith(node);
        graph = node;
      }
    }).catch(function () {});
  }

  var url = task.getAttribute("data-task-stream") + "?after=" + encodeURIComponent(task.getAttribute("data-after") || "0");
  var es = new EventSource(url);
  es.addEventListener("log", function (e) {
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { return; }
    var body = ev.body || {};
    if (body.stepId && body.status) setStatus(body.stepId, body.status);
  });
  ["completion", "cancelled", "recovered"].forEach(function (type) {
    es.addEventListener(type, function () {
      if (type === "completion") es.close();
      reload();
    });
  });
})();
