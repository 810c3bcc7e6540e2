// Recent queries, kept in this browser only (localStorage): a public read-only server never
// stores what its visitors ask. Result pages record their address; the home page lists them.
(function () {
  "use strict";
  var KEY = "concord-history";
  var MAX = 20;
  var PAGES = {"/kwic": "kwic", "/freq": "freq", "/collocates": "collocates", "/search": "search"};

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX))); } catch (e) { /* full or off */ }
  }

  var params = new URLSearchParams(window.location.search);
  var q = params.get("q");
  var page = PAGES[window.location.pathname];
  if (page && q && !document.querySelector(".error-page, .query-error")) {
    params.delete("ui");
    var url = window.location.pathname + "?" + params.toString();
    var list = load().filter(function (h) { return h.url !== url; });
    list.unshift({url: url, q: q, page: page});
    save(list);
  }

  var box = document.getElementById("recent-queries");
  if (!box) return;
  var items = load();
  if (!items.length) return;
  var ul = box.querySelector("ul");
  items.forEach(function (h) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = h.url;
    a.textContent = h.q;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" · " + h.page));
    ul.appendChild(li);
  });
  box.hidden = false;
  document.getElementById("clear-history").addEventListener("click", function () {
    save([]);
    box.hidden = true;
  });
})();
