// The live preview: the form is sent to the server, which builds the reply
// exactly as the assistant will (placeholders, pump type, buttons, sources);
// it is shown here as text, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("topic-form");
  var box = document.getElementById("preview");
  if (!form || !box) return;
  var grade = document.getElementById("preview-grade");
  var warnings = document.getElementById("preview-warnings");
  var link = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g;
  var timer = null;

  function addText(parent, text) {
    var last = 0, match;
    link.lastIndex = 0;
    while ((match = link.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = match[2];
      a.textContent = match[1];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = link.lastIndex;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function show(data) {
    box.textContent = "";
    if (data.errors) {
      var p = document.createElement("p");
      p.className = "field-error";
      p.textContent = "Cannot preview yet: " + Object.keys(data.errors).map(function (k) {
        return k + ": " + data.errors[k].join(" ");
      }).join("; ");
      box.appendChild(p);
      return;
    }
    data.text.split("\n\n").forEach(function (para) {
      var p = document.createElement("p");
      para.split("\n").forEach(function (line, i) {
        if (i) p.appendChild(document.createElement("br"));
        addText(p, line);
      });
      box.appendChild(p);
    });
    if (data.buttons && data.buttons.length) {
      var list = document.createElement("p");
      list.className = "preview-buttons";
      data.buttons.forEach(function (b) {
        var span = document.createElement("span");
        span.className = "preview-button";
        span.textContent = b.title;
        list.appendChild(span);
      });
      box.appendChild(list);
    }
    grade.textContent = "Reading grade " + Number(data.grade).toFixed(1) + " (aim for 7 or below; 8 at most).";
    warnings.textContent = "";
    (data.warnings || []).forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      warnings.appendChild(li);
    });
  }

  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === asked) show(data); }) // an older answer never replaces a newer one
      .catch(function () { /* the next edit tries again */ });
  }

  // Without this script the button posts the form for a preview page.
  var button = document.getElementById("preview-refresh");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      refresh();
    });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  form.addEventListener("change", refresh);
  refresh();
})();
