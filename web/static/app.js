// concord: small progressive enhancements; every page works without this script.
(function () {
  "use strict";

  // Document reader: bring the hit named in the address (#t123), or else the first hit,
  // into view and give it keyboard focus, so screen readers start reading there.
  function showHit() {
    var doc = document.querySelector(".doc-text");
    if (!doc) { return; }
    var target = null;
    if (location.hash && /^#t\d+$/.test(location.hash)) {
      target = document.getElementById(location.hash.slice(1));
    }
    if (!target) { target = doc.querySelector("mark"); }
    if (!target) { return; }
    var current = doc.querySelector("mark.current");
    if (current) { current.classList.remove("current"); }
    target.classList.add("current");
    var links = document.querySelectorAll(".hit-nav a");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === "#" + target.id) {
        links[i].setAttribute("aria-current", "true");
      } else {
        links[i].removeAttribute("aria-current");
      }
    }
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", showHit);
  window.addEventListener("hashchange", showHit);
})();
