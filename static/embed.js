// An embedded chart: draw it, hide the table that stands in for it without JavaScript, and
// tell the page that frames it how tall it is (embed-host.js on that page resizes the frame).
(function () {
  "use strict";
  var last = 0;
  function tell() {
    if (window.parent === window) { return; }
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) { return; }
    last = height;
    // The height is no secret: any page may frame an embed and so may read it.
    window.parent.postMessage({ ashyq: "height", height: height }, "*");
  }
  if (typeof window.ResizeObserver === "function") {
    new window.ResizeObserver(tell).observe(document.documentElement);
  }
  window.addEventListener("load", tell);
  tell();

  var box = document.querySelector("[data-figure]");
  var source = box && document.getElementById(box.getAttribute("data-figure"));
  if (!box || !source || typeof window.Plotly === "undefined") { return; }
  var figure = JSON.parse(source.textContent);
  var lang = document.documentElement.lang;
  figure.layout.separators = (lang === "ru" || lang === "kk") ? ",\u00a0" : ".,";
  box.hidden = false;
  var config = { displayModeBar: false, responsive: true };
  window.Plotly.newPlot(box, figure.data, figure.layout, config).then(function () {
    var fallback = document.getElementById("fallback");
    if (fallback) { fallback.hidden = true; }
    box.on("plotly_treemapclick", function (event) {
      var point = event.points && event.points[0];
      var href = point && point.customdata;
      // One level down is the next embed address: the frame follows it, the host page stays.
      if (href && href.charAt(0) === "/" && href.charAt(1) !== "/") { window.location.assign(href); }
      return false;
    });
    tell();
  }, function () { box.hidden = true; tell(); });
})();
