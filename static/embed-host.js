// Ashyq embeds: include once on a page that frames Ashyq charts. Each chart reports its
// height and this sets the height of its own frame (found by the window that sent it, and
// only when the message comes from that frame's origin). Without it, frames keep their
// height attribute.
(function () {
  "use strict";
  if (window.ashyqEmbedHost) { return; }
  window.ashyqEmbedHost = true;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.ashyq !== "height" || typeof data.height !== "number") { return; }
    var frames = document.querySelectorAll("iframe[data-ashyq-embed]");
    for (var i = 0; i < frames.length; i += 1) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) { continue; }
      var origin;
      try { origin = new URL(frame.src, window.location.href).origin; } catch (e) { return; }
      if (origin !== event.origin) { return; }
      var height = Math.max(100, Math.min(5000, Math.round(data.height)));
      frame.style.height = height + "px";
      return;
    }
  });
})();
