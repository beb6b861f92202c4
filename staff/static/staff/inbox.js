// New messages appear without a reload: asked every 10 s, added at the top of the
// table as text (never as HTML), and announced in a polite live region.
(function () {
  "use strict";
  var table = document.querySelector("table.inbox");
  var live = document.getElementById("live");
  if (!table || !live) return;
  var newest = Number(table.dataset.newest) || 0;
  var url = table.dataset.latestUrl;
  var body = table.tBodies[0];

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function add(message) {
    var row = document.createElement("tr");
    row.className = "outcome-" + (message.urgent ? "urgent" : "new") + (message.first ? " first" : "");
    cell(row, message.time);
    var link = document.createElement("a");
    link.href = message.url;
    link.textContent = message.text || "(empty)";
    cell(row, "").appendChild(link);
    cell(row, message.language || "—");
    var badge = document.createElement("span");
    badge.className = "badge" + (message.urgent ? " urgent" : "");
    badge.textContent = message.outcome;
    cell(row, "").appendChild(badge);
    cell(row, "—"); cell(row, "new"); cell(row, "—");
    body.insertBefore(row, body.firstChild);
  }

  function check() {
    // Marked as background: it does not keep the session alive (staff/accounts/middleware.py).
    fetch(url + "?after=" + newest, {
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
        if (!data || !data.messages.length) return;
        newest = Math.max.apply(null, [newest].concat(data.messages.map(function (m) { return m.id; })));
        data.messages.slice().reverse().forEach(add);
        var urgent = data.messages.filter(function (m) { return m.urgent; }).length;
        live.hidden = false;
        live.textContent = data.count + " new message" + (data.count === 1 ? "" : "s") +
          (urgent ? ", " + urgent + " urgent" : "") + " (added at the top).";
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  var timer = setInterval(check, Number(table.dataset.every || 10000));
})();
