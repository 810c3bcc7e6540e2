// concord: the aligned reader. Clicking a sentence highlights the sentences aligned with it
// in the other versions and brings them level with it; scrolling one version scrolls the
// others to the passage aligned with its first visible sentence. Without this script the
// page still shows every version, and a sentence's link is its permalink.
(function () {
  "use strict";

  function init() {
    var columns = Array.prototype.slice.call(document.querySelectorAll(".version-text"));
    if (!columns.length) { return; }
    var status = document.querySelector(".aligned-status");
    var byBead = {};
    columns.forEach(function (col, c) {
      col.sentences = Array.prototype.slice.call(col.querySelectorAll("a.s"));
      col.sentences.forEach(function (el) {
        var beads = el.getAttribute("data-b");
        el.beads = beads ? beads.split(" ") : [];
        el.column = c;
        el.beads.forEach(function (id) { (byBead[id] = byBead[id] || []).push(el); });
      });
    });

    function partners(el) {
      var out = [];
      el.beads.forEach(function (id) {
        byBead[id].forEach(function (other) {
          if (other !== el && out.indexOf(other) < 0) { out.push(other); }
        });
      });
      return out;
    }

    function top(col, el) {
      return el.getBoundingClientRect().top - col.getBoundingClientRect().top;
    }

    // Scroll every other column so that its first sentence aligned with `el` (in column
    // `from`) stands at the same height as `el`.
    function level(from, el, others) {
      var offset = top(columns[from], el);
      columns.forEach(function (col, c) {
        if (c === from) { return; }
        var target = others.filter(function (o) { return o.column === c; })[0];
        if (!target) { return; }
        var delta = top(col, target) - offset;
        if (Math.abs(delta) > 1) { col.scrollTop += delta; }
      });
    }

    var selected = [];
    var select = function (el) {
      selected.forEach(function (s) {
        s.classList.remove("sel", "partner");
        s.removeAttribute("aria-current");
      });
      var others = partners(el);
      el.classList.add("sel");
      el.setAttribute("aria-current", "true");
      others.forEach(function (o) { o.classList.add("partner"); });
      selected = [el].concat(others);
      level(el.column, el, others);
      if (status) {
        var n = others.filter(function (o) { return o.column !== el.column; }).length;
        status.textContent = n ? n + " ⇄" : "–";
        status.setAttribute("data-partners", String(n));
      }
    };

    // The first sentence of a column that is (at least partly) visible, by bisection.
    function firstVisible(col) {
      var s = col.sentences, lo = 0, hi = s.length - 1, edge = col.getBoundingClientRect().top;
      if (hi < 0) { return -1; }
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (s[mid].getBoundingClientRect().bottom <= edge + 1) { lo = mid + 1; } else { hi = mid; }
      }
      return lo;
    }

    function follow(col) {
      var c = columns.indexOf(col), s = col.sentences;
      for (var i = firstVisible(col); i >= 0 && i < s.length && i < firstVisible(col) + 60; i++) {
        if (s[i].beads.length) {
          level(c, s[i], partners(s[i]));
          return;
        }
      }
    }

    var active = null, pending = false;
    columns.forEach(function (col) {
      ["wheel", "touchstart", "pointerdown", "keydown", "focusin"].forEach(function (type) {
        col.addEventListener(type, function () { active = col; }, { passive: true });
      });
      col.addEventListener("scroll", function () {
        // Only the column being read drives the others (their own scrolling is ours).
        if (col !== active || pending) { return; }
        pending = true;
        window.requestAnimationFrame(function () { pending = false; follow(col); });
      }, { passive: true });
      col.addEventListener("click", function (event) {
        var el = event.target.closest ? event.target.closest("a.s") : null;
        if (!el) { return; }
        event.preventDefault();
        active = col;
        select(el);
        if (history.replaceState) { history.replaceState(null, "", "#" + el.id); }
      });
    });

    // Keyboard: one tab stop per column (roving tabindex) instead of one per sentence; the
    // arrow keys move from sentence to sentence inside a column and select as they go, Home
    // and End go to its first and last sentence, Enter (and Space) select.
    function rove(col, el) {
      if (col.current) { col.current.setAttribute("tabindex", "-1"); }
      el.setAttribute("tabindex", "0");
      col.current = el;
    }
    columns.forEach(function (col) {
      if (!col.sentences.length) { return; }
      col.sentences.forEach(function (el) { el.setAttribute("tabindex", "-1"); });
      // The column's sentences make it reachable: the region itself is no longer a stop.
      col.removeAttribute("tabindex");
      rove(col, col.sentences[0]);
      col.addEventListener("keydown", function (event) {
        var el = event.target.closest ? event.target.closest("a.s") : null;
        if (!el) { return; }
        var i = col.sentences.indexOf(el), j = i;
        switch (event.key) {
          case "ArrowDown": case "ArrowRight": j = Math.min(i + 1, col.sentences.length - 1); break;
          case "ArrowUp": case "ArrowLeft": j = Math.max(i - 1, 0); break;
          case "Home": j = 0; break;
          case "End": j = col.sentences.length - 1; break;
          case " ": event.preventDefault(); el.click(); return;
          default: return;
        }
        event.preventDefault();
        var next = col.sentences[j];
        rove(col, next);
        next.focus();
        active = col;
        select(next);
      });
    });
    var baseSelect = select;
    select = function (el) {
      rove(columns[el.column], el);
      baseSelect(el);
    };

    // A sentence named in the address (#v1-2345): show it near the top of its column.
    if (location.hash && /^#v\d+-\d+$/.test(location.hash)) {
      var el = document.getElementById(location.hash.slice(1));
      if (el && el.column !== undefined) {
        var col = columns[el.column];
        col.scrollTop += top(col, el) - 24;
        active = col;
        select(el);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
