// The inspector's only script (served from this origin; the page allows no inline script).
// It polls /inspector/version and, when something changed, swaps in /inspector/fragment, keeping the
// <details> the reader opened or closed as they were. The fragment is parsed in an inert <template>:
// nothing in it runs or loads before it is in the page, and the CSP forbids inline handlers anyway.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var pollMs = parseInt(document.body.getAttribute("data-poll-ms"), 10) || 1000;
  var busy = false;
  var failures = 0;

  function content() { return document.getElementById("content"); }

  function status(text, ok) {
    live.textContent = text;
    live.className = ok ? "live ok" : "live down";
  }

  function detailsState(root) {
    var state = {};
    root.querySelectorAll("details[id]").forEach(function (d) { state[d.id] = d.open; });
    return state;
  }

  function swap(html) {
    var old = content();
    var state = detailsState(old);
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.getElementById("content");
    if (!fresh) { return; }
    fresh.querySelectorAll("details[id]").forEach(function (d) {
      if (Object.prototype.hasOwnProperty.call(state, d.id)) { d.open = state[d.id]; }
    });
    old.replaceWith(fresh);
  }

  function tick() {
    if (busy) { return; }
    busy = true;
    fetch("/inspector/version", { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (v) {
        failures = 0;
        if (v.version === content().getAttribute("data-version")) { return null; }
        return fetch("/inspector/fragment", { cache: "no-store" })
          .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
          .then(swap);
      })
      .then(function () { status("live \u00b7 checked " + new Date().toLocaleTimeString(), true); })
      .catch(function () {
        failures += 1;
        status("collector not reachable (stopped?) \u00b7 last data kept", false);
      })
      .then(function () { busy = false; });
  }

  status("live", true);
  setInterval(tick, pollMs);
})();
