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
    if (!target) {
      // A page of the hit list opened without a hit named: start at its first hit.
      var listed = document.querySelector(".hit-nav a");
      if (listed) { target = document.getElementById(listed.getAttribute("href").slice(1)); }
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
    updateHitBar(target);
  }

  // Reader: previous and next hit over every hit of the text (not only the listed ones).
  function hitMarks() {
    return document.querySelectorAll(".doc-text mark[id^='t']");
  }

  function updateHitBar(target) {
    var pos = document.querySelector(".hit-bar .hit-pos");
    if (!pos) { return; }
    var marks = hitMarks();
    var at = Array.prototype.indexOf.call(marks, target);
    if (at >= 0) {
      pos.textContent = pos.dataset.label + " " + (at + 1) + " " + pos.dataset.of + " " + marks.length;
    }
  }

  function stepHit(delta) {
    var marks = hitMarks();
    if (!marks.length) { return; }
    var current = document.querySelector(".doc-text mark.current");
    var at = Array.prototype.indexOf.call(marks, current);
    var next = at < 0 ? 0 : (at + delta + marks.length) % marks.length;
    history.replaceState(null, "", "#" + marks[next].id);
    showHit();
  }

  function setUpReader() {
    var bar = document.querySelector(".hit-bar");
    if (bar) {
      bar.hidden = false;
      bar.querySelector("[data-hit='prev']").addEventListener("click", function () { stepHit(-1); });
      bar.querySelector("[data-hit='next']").addEventListener("click", function () { stepHit(1); });
      document.addEventListener("keydown", function (event) {
        var tag = (event.target.tagName || "").toLowerCase();
        if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "textarea" || tag === "select") { return; }
        if (event.key === "n") { stepHit(1); } else if (event.key === "p") { stepHit(-1); }
      });
    }
    // On a phone the text comes first: side sections start closed.
    if (window.matchMedia && window.matchMedia("(max-width: 900px)").matches) {
      var sections = document.querySelectorAll("details[data-phone-closed]");
      for (var i = 0; i < sections.length; i++) { sections[i].open = false; }
    }
  }

  // Charts: legend buttons hide and show a line in every drawing of their figure.
  function setUpCharts() {
    var figures = document.querySelectorAll("figure[data-chart]");
    for (var i = 0; i < figures.length; i++) { setUpChart(figures[i]); }
  }

  function setUpChart(figure) {
    var buttons = figure.querySelectorAll(".legend-item");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        var button = event.currentTarget;
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        var lines = figure.querySelectorAll('g.series[data-series="' + button.dataset.series + '"]');
        for (var j = 0; j < lines.length; j++) { lines[j].classList.toggle("off", !on); }
      });
    }
    var downloads = figure.querySelector(".chart-downloads");
    if (!downloads) { return; }
    downloads.hidden = false;
    var links = downloads.querySelectorAll("button[data-download]");
    for (var k = 0; k < links.length; k++) {
      links[k].addEventListener("click", function (event) {
        var button = event.currentTarget;
        var svg = standaloneSvg(figure);
        if (button.dataset.download === "svg") {
          save(button.dataset.name + ".svg", "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg));
        } else {
          toPng(svg, function (url) { save(button.dataset.name + ".png", url); });
        }
      });
    }
  }

  // The wide drawing as a file of its own: the lines shown, a legend, no links.
  function standaloneSvg(figure) {
    var source = figure.querySelector("svg.chart-wide");
    var svg = source.cloneNode(true);
    var NS = "http://www.w3.org/2000/svg";
    var anchors = svg.querySelectorAll("a");
    for (var i = 0; i < anchors.length; i++) {
      var a = anchors[i];
      var title = a.querySelector("title");
      if (title) { a.removeChild(title); }
      while (a.firstChild) { a.parentNode.insertBefore(a.firstChild, a); }
      a.parentNode.removeChild(a);
    }
    var off = svg.querySelectorAll("g.series.off");
    for (var j = 0; j < off.length; j++) { off[j].parentNode.removeChild(off[j]); }
    var series = svg.querySelectorAll("g.series");
    var width = parseFloat(svg.getAttribute("width"));
    var height = parseFloat(svg.getAttribute("height"));
    var perRow = 3, rowHeight = 22, top = height + 8;
    var rows = Math.ceil(series.length / perRow);
    var total = height + 16 + rows * rowHeight + 24;
    svg.setAttribute("height", total);
    svg.setAttribute("viewBox", "0 0 " + width + " " + total);
    svg.querySelector("rect").setAttribute("height", total);
    for (var n = 0; n < series.length; n++) {
      var g = series[n];
      var x = 70 + (n % perRow) * ((width - 90) / perRow);
      var y = top + Math.floor(n / perRow) * rowHeight + 10;
      var line = document.createElementNS(NS, "line");
      line.setAttribute("x1", x); line.setAttribute("x2", x + 28);
      line.setAttribute("y1", y); line.setAttribute("y2", y);
      line.setAttribute("stroke", g.dataset.colour); line.setAttribute("stroke-width", "2.5");
      if (g.dataset.dash) { line.setAttribute("stroke-dasharray", g.dataset.dash); }
      svg.appendChild(line);
      var text = document.createElementNS(NS, "text");
      text.setAttribute("x", x + 36); text.setAttribute("y", y + 4);
      text.setAttribute("font-size", "13"); text.setAttribute("fill", "#1f2933");
      text.textContent = g.dataset.label;
      svg.appendChild(text);
    }
    var note = figure.querySelector(".chart-note");
    if (note) {
      var caption = document.createElementNS(NS, "text");
      caption.setAttribute("x", 10); caption.setAttribute("y", total - 8);
      caption.setAttribute("font-size", "11"); caption.setAttribute("fill", "#4b5563");
      caption.textContent = "concord · " + location.href;
      svg.appendChild(caption);
    }
    svg.removeAttribute("class");
    svg.removeAttribute("role");
    svg.removeAttribute("aria-labelledby");
    svg.removeAttribute("aria-describedby");
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }

  function toPng(svgText, done) {
    var image = new Image();
    image.onload = function () {
      var scale = 2;
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      done(canvas.toDataURL("image/png"));
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText);
  }

  function save(name, url) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
  }

  document.addEventListener("DOMContentLoaded", setUpCharts);
  // Concordance: widen one line in place (more words, or the whole paragraph).
  function setUpWiden() {
    var buttons = document.querySelectorAll("table.kwic button.widen");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", toggleWide);
    }
  }

  function toggleWide(event) {
    var button = event.currentTarget;
    var row = button.closest("tr");
    var next = row.nextElementSibling;
    if (next && next.classList.contains("wide-row")) {
      next.parentNode.removeChild(next);
      button.setAttribute("aria-expanded", "false");
      return;
    }
    var wide = document.createElement("tr");
    wide.className = "wide-row";
    var cell = document.createElement("td");
    cell.colSpan = row.children.length;
    wide.appendChild(cell);
    row.parentNode.insertBefore(wide, row.nextSibling);
    button.setAttribute("aria-expanded", "true");
    wide.dataset.width = "25";
    fillWide(row, wide, "width=25");
  }

  function fillWide(row, wide, extra) {
    var cell = wide.firstChild;
    var url = "/kwic/line.json?doc=" + encodeURIComponent(row.dataset.doc) + "&start=" +
      row.dataset.start + "&end=" + row.dataset.end + "&" + extra;
    cell.setAttribute("aria-busy", "true");
    fetch(url).then(function (r) { return r.json(); }).then(function (line) {
      cell.removeAttribute("aria-busy");
      cell.textContent = "";
      if (line.error) { cell.textContent = line.error; return; }
      var text = document.createElement("p");
      text.className = "wide-text";
      text.lang = line.lang;
      text.appendChild(document.createTextNode(line.left + " "));
      var mark = document.createElement("mark");
      mark.textContent = line.match;
      text.appendChild(mark);
      text.appendChild(document.createTextNode(" " + line.right));
      cell.appendChild(text);
      var bar = document.createElement("div");
      bar.className = "wide-actions";
      var more = document.createElement("button");
      more.type = "button";
      more.textContent = document.body.dataset.moreWords || "More words";
      var width = parseInt(wide.dataset.width, 10);
      more.disabled = extra.indexOf("paragraph") >= 0 || width >= 200;
      more.addEventListener("click", function () {
        wide.dataset.width = String(Math.min(200, width + 50));
        fillWide(row, wide, "width=" + wide.dataset.width);
      });
      var para = document.createElement("button");
      para.type = "button";
      para.textContent = document.body.dataset.wholeParagraph || "Whole paragraph";
      para.disabled = extra.indexOf("paragraph") >= 0;
      para.addEventListener("click", function () { fillWide(row, wide, "paragraph=1"); });
      bar.appendChild(more);
      bar.appendChild(para);
      cell.appendChild(bar);
    }).catch(function () {
      cell.removeAttribute("aria-busy");
      cell.textContent = "—";
    });
  }

  // A table wider than the screen scrolls inside its box: keyboard users must reach it too.
  function scrollableTables() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim().slice(0, 120) : "table");
      }
    }
  }

  document.addEventListener("DOMContentLoaded", scrollableTables);
  document.addEventListener("DOMContentLoaded", setUpWiden);
  document.addEventListener("DOMContentLoaded", setUpReader);
  document.addEventListener("DOMContentLoaded", showHit);
  window.addEventListener("hashchange", showHit);
})();
