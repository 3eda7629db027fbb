// Small helpers for every page; the pages work without them.
(function () {
  "use strict";
  var body = document.body;

  // A button with data-copy puts its text on the clipboard (an address, to paste
  // into a map app) and says so for a moment.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button || !navigator.clipboard) return;
    var label = button.textContent;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      button.textContent = "✓";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Logging out removes the pages kept for offline use (they hold children's
  // names and addresses); records waiting to upload stay until they are sent.
  document.addEventListener("submit", function (event) {
    if (event.target.getAttribute("action") === "/logout" && window.caches) {
      caches.delete("songjiao-pages");
    }
  });

  if (!("serviceWorker" in navigator) || !window.SongjiaoQueue || !body.hasAttribute("data-signed-in")) return;
  navigator.serviceWorker.register("/sw.js").catch(function () {});

  // Marks the visits whose records wait on this phone, and says how many wait.
  function showQueue() {
    return SongjiaoQueue.all().then(function (items) {
      var status = document.getElementById("queue-status");
      document.querySelectorAll("[data-queued-badge]").forEach(function (b) { b.remove(); });
      items.forEach(function (item) {
        var card = document.querySelector("article[data-visit='" + item.visit + "'] header");
        if (!card) return;
        var badge = document.createElement("span");
        badge.className = "queued";
        badge.setAttribute("data-queued-badge", "");
        badge.textContent = item.state === "waiting" ? body.dataset.queued : body.dataset.settle;
        card.appendChild(badge);
      });
      if (!status) return;
      status.textContent = "";
      var waiting = items.filter(function (i) { return i.state === "waiting"; }).length;
      if (waiting) {
        var note = document.createElement("p");
        note.className = "notice";
        note.textContent = waiting + " " + body.dataset.waiting;
        status.appendChild(note);
      }
      items.filter(function (i) { return i.state !== "waiting"; }).forEach(function (item) {
        var link = document.createElement("a");
        link.href = "/visits/" + item.visit + "/record";
        link.className = "button secondary";
        link.textContent = body.dataset.settle + "：" + item.summary.student + " " + item.summary.when;
        var p = document.createElement("p");
        p.appendChild(link);
        status.appendChild(p);
      });
    });
  }

  // One upload at a time: a second call while one runs waits for it.
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    flushing = SongjiaoQueue.flush().then(function (results) {
      if (results.indexOf("stored") >= 0 && document.getElementById("queue-status")) {
        location.reload();
        return;
      }
      return showQueue();
    }).catch(function () {}).then(function () { flushing = null; });
    return flushing;
  }

  // Today's record forms and those still to record are kept for offline use
  // once the phone has a network; the service worker keeps what it fetches.
  function keepFormsForOffline() {
    if (!navigator.onLine || !navigator.serviceWorker.controller) return;
    var links = document.querySelectorAll(".today a[data-record], #to-record a[data-record]");
    links.forEach(function (a) {
      caches.match(a.href).then(function (kept) {
        if (!kept) fetch(a.href, { credentials: "same-origin" }).catch(function () {});
      });
    });
  }

  // A phone says it is back online a moment before requests get through (a
  // weak signal at the door, a network still joining): try again shortly after.
  window.addEventListener("online", function () {
    [0, 3000, 10000].forEach(function (wait) { setTimeout(flush, wait); });
  });
  setInterval(flush, 30000);
  flush();
  navigator.serviceWorker.ready.then(keepFormsForOffline);
  window.SongjiaoPage = { showQueue: showQueue, flush: flush };
})();

// A table with class "sortable" sorts by a column when its heading is tapped
// (numbers as numbers, Chinese names in pinyin order), again to reverse.
document.addEventListener("click", function (event) {
  var th = event.target.closest("table.sortable thead th");
  if (!th || event.target.closest("a")) return;
  var table = th.closest("table");
  var column = Array.prototype.indexOf.call(th.parentNode.children, th);
  var ascending = th.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = function (row) { var cell = row.cells[column]; return cell ? cell.textContent.trim() : ""; };
  var collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true });
  rows.sort(function (a, b) { return (ascending ? 1 : -1) * collator.compare(text(a), text(b)); });
  rows.forEach(function (row) { body.appendChild(row); });
});

// Acknowledging alerts with none ticked is said here, the note kept (the
// server refuses it too, for pages without JavaScript).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.getAttribute("action") !== "/alerts/ack") return;
  if (form.querySelector("input[name=alert]:checked")) return;
  event.preventDefault();
  var said = form.querySelector(".none-ticked");
  if (!said) {
    said = document.createElement("p");
    said.className = "notice none-ticked";
    said.setAttribute("role", "alert");
    said.textContent = form.getAttribute("data-none");
    form.querySelector(".actions").insertAdjacentElement("beforebegin", said);
  }
});

// The menu marks the section the reader is on (/students/S001 is 学生's).
(function () {
  var path = location.pathname, best = null;
  document.querySelectorAll(".menu a").forEach(function (a) {
    var href = a.getAttribute("href");
    var here = href === "/" ? path === "/"
      : path === href || path.indexOf(href + "/") === 0 || (href === "/plan" && path.indexOf("/weeks/") === 0);
    if (here && (!best || href.length > best.getAttribute("href").length)) best = a;
  });
  if (best) best.setAttribute("aria-current", "page");
  // A menu wider than the phone scrolls sideways: its edge fades to say so,
  // and the reader's section is in view.
  var menu = document.querySelector(".menu");
  if (menu && menu.scrollWidth > menu.clientWidth) {
    menu.classList.add("more");
    if (best) best.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();

// A status's explanation is its title (shown on hover); a tap shows it too,
// beside the word, and a second tap hides it.
document.addEventListener("click", function (event) {
  var word = event.target.closest(".pill[title], .hint[title]");
  if (!word) return;
  var next = word.nextElementSibling;
  if (next && next.classList.contains("tip")) { next.remove(); return; }
  var tip = document.createElement("span");
  tip.className = "tip";
  tip.setAttribute("role", "note");
  tip.textContent = word.getAttribute("title");
  word.insertAdjacentElement("afterend", tip);
});
