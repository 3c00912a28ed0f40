// Draws the charts whose figures the page carries in <script type="application/json">.
// A treemap block links one level down: clicking it follows the same link as the table.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") { return; }
  var config = { displaylogo: false, responsive: true,
                 modeBarButtonsToRemove: ["sendDataToCloud", "select2d", "lasso2d"] };
  document.querySelectorAll("[data-figure]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    // Decimal and thousands separators of the page's language on the axes.
    var lang = document.documentElement.lang;
    figure.layout.separators = (lang === "ru" || lang === "kk") ? ",\u00a0" : ".,";
    window.Plotly.newPlot(box, figure.data, figure.layout, config).then(function () {
      box.on("plotly_treemapclick", function (event) {
        var point = event.points && event.points[0];
        var href = point && point.customdata;
        if (href && href.charAt(0) === "/" && href.charAt(1) !== "/") { window.location.assign(href); }
        return false;  // never zoom inside the chart: every level is its own page
      });
    });
  });
})();
