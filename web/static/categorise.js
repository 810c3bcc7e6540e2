// Categorising KWIC lines (editable servers only; web/edit.py checks every request).
// Adds a checkbox and the current category to each row of table.kwic, from the data in
// #kwic-line-data; assigns with fetch (falling back to the form's own POST without script).
// Keys: j/k move, x ticks, 1-9 assign the ticked lines (or the current one) to that category.
(function () {
  "use strict";
  var form = document.getElementById("categorise");
  var island = document.getElementById("kwic-line-data");
  var table = document.querySelector("table.kwic");
  if (!form || !island || !table) return;
  var data = JSON.parse(island.textContent);
  // Only the concordance lines (rows with data-doc): group headings and "show translations"
  // rows sit between them and get one more column to span instead of a checkbox.
  var allRows = Array.prototype.slice.call(table.tBodies[0].rows);
  var rows = allRows.filter(function (tr) { return tr.hasAttribute("data-doc"); });
  allRows.forEach(function (tr) {
    if (!tr.hasAttribute("data-doc") && tr.cells.length) tr.cells[0].colSpan += 1;
  });
  var status = document.getElementById("categorise-status");
  var current = -1;

  function key(i) { return data.lines[i] + "\t" + data.starts[i] + "\t" + data.ends[i]; }

  var head = table.tHead && table.tHead.rows[0];
  if (head) {
    var th = document.createElement("th");
    th.scope = "col";
    th.className = "cat-col";
    th.textContent = form.querySelector("label[for=cat-select]") ?
      form.querySelector("label[for=cat-select]").textContent : "";
    head.insertBefore(th, head.firstChild);
  }
  var colgroup = table.querySelector("colgroup");
  if (colgroup) {
    var col = document.createElement("col");
    col.className = "c-cat";
    colgroup.insertBefore(col, colgroup.firstChild);
  }

  rows.forEach(function (tr, i) {
    var td = document.createElement("td");
    td.className = "cat-cell";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "line";
    box.value = key(i);
    box.setAttribute("form", "categorise");
    box.setAttribute("aria-label", data.label_select.replace("%(n)s", String(i + 1)));
    var badge = document.createElement("span");
    badge.className = "cat-badge";
    badge.textContent = data.categories[i] || "";
    td.appendChild(box);
    td.appendChild(document.createTextNode(" "));
    td.appendChild(badge);
    tr.insertBefore(td, tr.firstChild);
    tr.dataset.line = key(i);
    tr.addEventListener("click", function (ev) {
      if (ev.target.tagName !== "A" && ev.target !== box) setCurrent(i, false);
    });
  });

  function setCurrent(i, scroll) {
    if (!rows.length) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0) rows[current].classList.remove("current-line");
    current = i;
    rows[i].classList.add("current-line");
    if (scroll) rows[i].querySelector("input[type=checkbox]").focus({preventScroll: false});
  }

  function ticked() {
    return rows.map(function (tr) { return tr.querySelector("input[type=checkbox]"); })
      .filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  }

  function post(action, lines, category) {
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("query", form.elements.query.value);
    if (category) body.append("category", category);
    lines.forEach(function (l) { body.append("line", l); });
    return fetch(action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRF-Token": form.elements.csrf_token.value}
    }).then(function (r) {
      return r.json().catch(function () { return {error: r.status + " " + r.statusText}; })
        .then(function (j) {
          if (!r.ok) throw new Error(j.error || r.statusText);
          return j;
        });
    });
  }

  function show(lines, category) {
    var set = {};
    lines.forEach(function (l) { set[l] = true; });
    rows.forEach(function (tr) {
      if (set[tr.dataset.line]) {
        tr.querySelector(".cat-badge").textContent = category || "";
        tr.querySelector("input[type=checkbox]").checked = false;
      }
    });
  }

  function assign(lines, category, action) {
    if (!lines.length) {
      status.textContent = "";
      return;
    }
    var unassign = action === form.querySelector("[data-scope=unassign]").formAction;
    post(action, lines, unassign ? null : category).then(function (j) {
      show(lines, unassign ? "" : category);
      status.textContent = j.message;
    }).catch(function (e) { status.textContent = e.message; });
  }

  form.addEventListener("submit", function (ev) {
    var submitter = ev.submitter;
    if (!submitter || !window.fetch) return;   // the form posts itself
    ev.preventDefault();
    var scope = submitter.dataset.scope;
    var lines = scope === "page" ? rows.map(function (tr) { return tr.dataset.line; }) : ticked();
    var action = submitter.formAction || form.action;
    assign(lines, form.elements.category ? form.elements.category.value : "", action);
  });

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "TEXTAREA" ||
              t.tagName === "SELECT" || t.isContentEditable)) return;
    if (ev.key === "j") { setCurrent(current + 1, true); ev.preventDefault(); }
    else if (ev.key === "k") { setCurrent(current - 1, true); ev.preventDefault(); }
    else if (ev.key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      ev.preventDefault();
    } else if (/^[1-9]$/.test(ev.key) && form.elements.category) {
      var name = data.names[Number(ev.key) - 1];
      if (!name) return;
      var lines = ticked();
      if (!lines.length && current >= 0) lines = [rows[current].dataset.line];
      form.elements.category.value = name;
      assign(lines, name, form.action);
      ev.preventDefault();
    }
  });
})();
