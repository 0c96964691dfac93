// The dashboard's only script: ask before each change, and refresh the live parts of the page
// (elements marked data-live) every few seconds, unless the person is filling in a form.
(function () {
  "use strict";
  var seconds = Number(document.body.dataset.refresh || 0);
  var status = document.getElementById("refresh");

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = (form.dataset.confirm || "").replace(/\{(\w+)\}/g, function (_, name) {
      var field = form.elements[name];
      return field && field.value ? field.value : "–";
    });
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // After a change the address is /_strangler/change: reloading it must not send the form again.
  if (document.body.hasAttribute("data-flash")) history.replaceState(null, "", "/_strangler/");

  function busy() {
    var active = document.activeElement;
    if (active && active.form && active.tagName !== "BUTTON") return true;
    return Array.prototype.some.call(document.querySelectorAll("form.change input[type=text]"), function (input) {
      return input.value !== "";
    });
  }

  function say(text, tone) {
    if (!status) return;
    status.textContent = text;
    status.className = "live-dot " + (tone || "");
  }

  function refresh() {
    if (document.hidden) return;
    if (busy()) return say("paused while you type", "paused");
    fetch("/_strangler/", {credentials: "same-origin", headers: {Accept: "text/html"}}).then(function (response) {
      if (!response.ok) throw new Error(response.status === 401 ? "signed out: reload" : "refresh failed (" + response.status + ")");
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-live]").forEach(function (part) {
        var replacement = part.id && fresh.getElementById(part.id);
        if (replacement) part.replaceWith(document.importNode(replacement, true));
      });
      say("live · every " + seconds + " s");
    }).catch(function (error) {
      say(error.message, "failed");
    });
  }

  if (seconds > 0) window.setInterval(refresh, seconds * 1000);
})();
