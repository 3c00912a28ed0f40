// Progressive enhancement for every page: tables marked "sortable" sort in the browser.
// Without JavaScript the same figures are in the tables, in the order the server gave.
(function () {
  "use strict";
  function value(cell) {
    var raw = cell.getAttribute("data-value");
    if (raw !== null) { return { n: parseFloat(raw), t: raw }; }
    return { n: NaN, t: (cell.textContent || "").trim() };
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = th.getAttribute("aria-sort") !== "descending";
    rows.sort(function (a, b) {
      var x = value(a.cells[index]), y = value(b.cells[index]);
      var order = (!isNaN(x.n) && !isNaN(y.n)) ? x.n - y.n : x.t.localeCompare(y.t);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
})();
