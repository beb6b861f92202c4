// A long list of tick boxes gets a search box: typing hides the boxes whose
// label lacks any of the typed words. Ticks are never changed by searching.
// Without this script every box shows and the search box stays hidden.
(function () {
  "use strict";
  var searches = document.querySelectorAll("[data-filter-for]");
  Array.prototype.forEach.call(searches, function (wrap) {
    var list = document.getElementById(wrap.dataset.filterFor);
    var input = wrap.querySelector("input[type=search]");
    var count = wrap.querySelector("[data-filter-count]");
    if (!list || !input) return;
    var labels = Array.prototype.slice.call(list.querySelectorAll("label"));

    function filter() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      labels.forEach(function (label) {
        var text = label.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        label.parentNode.hidden = !match;
        if (match) shown += 1;
      });
      if (!count) return;
      count.textContent = !words.length ? ""
        : shown ? shown + " of " + labels.length + " shown."
        : "None match: try fewer letters.";
    }

    // Searching is not an edit: the page's unsaved-changes guard and the
    // preview do not hear it.
    ["input", "change"].forEach(function (type) {
      input.addEventListener(type, function (event) {
        event.stopPropagation();
        filter();
      });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter searches; it does not save
    });
    wrap.hidden = false;
  });
})();
