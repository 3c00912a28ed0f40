// The Embed link of a chart opens the embed options in a <dialog> (without JavaScript it is a
// link to the embed-builder page). Changing an option asks the server for the new code, so
// the code shown is always the one the builder page and oEmbed give.
(function () {
  "use strict";
  var dialog = null;

  function copyButtons(root) {
    root.querySelectorAll("button.copy").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy"));
        field.select();
        if (navigator.clipboard) { navigator.clipboard.writeText(field.value).catch(function () {}); }
      });
    });
  }

  function partUrl(form) {
    var params = new URLSearchParams(new FormData(form));
    params.set("part", "dialog");
    var url = new URL(form.action, window.location.href);
    url.search = params.toString();  // a GET form replaces the query of its action
    return url.toString();
  }

  function load(url) {
    var body = dialog.querySelector(".dialog-body");
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (html) {
      body.innerHTML = html;
      copyButtons(body);
      var form = body.querySelector("form.embed-options");
      if (!form) { return; }
      form.addEventListener("change", function () { load(partUrl(form)); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        load(partUrl(form));
      });
    });
  }

  function open(link) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "embed-dialog";
      dialog.setAttribute("aria-labelledby", "share-h");
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.textContent = "\u00d7";
      close.setAttribute("aria-label", link.getAttribute("data-close") || "Close");
      close.addEventListener("click", function () { dialog.close(); });
      var body = document.createElement("div");
      body.className = "dialog-body";
      dialog.appendChild(close);
      dialog.appendChild(body);
      document.body.appendChild(dialog);
    }
    var url = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "part=dialog";
    load(url).then(function () { dialog.showModal(); },
                   function () { window.location.assign(link.href); });
  }

  document.querySelectorAll("a[data-embed-dialog]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (typeof window.HTMLDialogElement === "undefined") { return; }
      event.preventDefault();
      open(link);
    });
  });
  copyButtons(document);
})();
