// Conversations with new patient messages appear without a reload: asked every
// 10 s under the page's own filters, each row built as text (never as HTML) and
// placed where the inbox's order puts it (the most serious outcome first, then
// the newest), and announced in a polite live region.
(function () {
  "use strict";
  var table = document.querySelector("table.inbox");
  var live = document.getElementById("live");
  if (!table || !live) return;
  var newest = Number(table.dataset.newest) || 0;
  var firstPage = table.dataset.firstPage === "yes";
  var lastPage = table.dataset.lastPage === "yes";
  var url = table.dataset.latestUrl;
  var filters = new URLSearchParams(window.location.search);
  filters.delete("page");
  var body = table.tBodies[0];

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function build(c) {
    var row = document.createElement("tr");
    row.className = "outcome-" + c.outcome_key + (c.first ? " first" : "");
    row.dataset.conversation = c.id;
    row.dataset.priority = c.priority;
    row.dataset.last = c.last;
    var pick = cell(row, "");
    var box = document.createElement("input");
    box.type = "checkbox"; box.name = "conversations"; box.value = c.id; box.id = "pick-" + c.id;
    var label = document.createElement("label");
    label.htmlFor = box.id; label.className = "visually-hidden";
    label.textContent = "Select conversation " + c.name;
    pick.appendChild(box); pick.appendChild(label);
    cell(row, c.time);
    var link = document.createElement("a");
    link.href = c.url;
    link.textContent = c.text || "(empty)";
    cell(row, "").appendChild(link);
    cell(row, String(c.count));
    cell(row, c.language || "—");
    var badge = document.createElement("span");
    badge.className = "badge " + c.outcome_key;
    badge.textContent = c.outcome;
    cell(row, "").appendChild(badge);
    cell(row, c.topic || "—");
    cell(row, c.status);
    cell(row, c.assigned || "—");
    return row;
  }

  // Whether conversation c comes before the row in the inbox's order.
  function before(c, row) {
    var priority = Number(row.dataset.priority);
    if (c.priority !== priority) return c.priority < priority;
    var mine = Date.parse(c.last), theirs = Date.parse(row.dataset.last);
    if (mine !== theirs) return mine > theirs;
    return c.id > Number(row.dataset.conversation);
  }

  // The row in its place; false when its place is on another page.
  function place(c) {
    var old = body.querySelector('tr[data-conversation="' + Number(c.id) + '"]');
    if (old) body.removeChild(old);
    var rows = Array.prototype.filter.call(body.rows, function (r) { return r.dataset.conversation; });
    var next = null;
    for (var i = 0; i < rows.length && !next; i++) if (before(c, rows[i])) next = rows[i];
    if ((next === null && !lastPage) || (next !== null && next === rows[0] && !firstPage)) return false;
    Array.prototype.filter.call(body.rows, function (r) { return !r.dataset.conversation; })
      .forEach(function (r) { body.removeChild(r); });  // "No conversations match."
    body.insertBefore(build(c), next);
    return true;
  }

  function check() {
    filters.set("after", newest);
    // Marked as background: it does not keep the session alive (staff/accounts/middleware.py).
    fetch(url + "?" + filters.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Staff-Background": "1" }
    })
      .then(function (r) {
        if (r.redirected || r.status === 401 || r.status === 403) {
          clearInterval(timer);
          live.hidden = false;
          live.textContent = "Your session has ended. Reload the page to log in again.";
          return null;
        }
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data || data.newest <= newest) return;
        newest = data.newest;
        if (!data.count) return;
        var elsewhere = 0;
        data.conversations.slice().reverse().forEach(function (c) { if (!place(c)) elsewhere++; });
        live.hidden = false;
        live.textContent = data.count + " new message" + (data.count === 1 ? "" : "s") +
          (data.urgent ? ", " + data.urgent + " urgent" : "") +
          (data.conversations.length ? "; their conversations are in the list in order" : "") +
          (elsewhere ? " (" + elsewhere + " on another page)" : "") + ".";
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  var timer = setInterval(check, Number(table.dataset.every || 10000));

  // "Select all on this page": made here, as it only works with JavaScript; it
  // ticks every row shown, live rows added later included when ticked again.
  var head = table.tHead && table.tHead.rows[0] && table.tHead.rows[0].cells[0];
  if (head && body.rows.length) {
    var all = document.createElement("input");
    all.type = "checkbox";
    all.id = "pick-all";
    var allLabel = document.createElement("label");
    allLabel.htmlFor = all.id;
    allLabel.className = "visually-hidden";
    allLabel.textContent = "Select all conversations on this page";
    head.textContent = "";
    head.appendChild(all);
    head.appendChild(allLabel);
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(
        body.querySelectorAll('input[name="conversations"]'),
        function (box) { box.checked = all.checked; }
      );
    });
  }
})();
