// Records kept on the phone until the server has them (IndexedDB), shared by
// the pages and the service worker. Each record carries a key made on the
// phone, so that sending it twice stores it once; each is sent with the state
// of the visit the phone saw, so that a change made meanwhile comes back as a
// conflict for the teacher to settle, never as an overwrite.
// An item: { key, visit, url, fields: [[name, value, filename?]], summary,
//            state: "waiting" | "conflict" | "refused", current?, problems? }
(function (scope) {
  "use strict";
  var DB = "songjiao", STORE = "records";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(item) { return run("readwrite", function (s) { s.put(item); }); }
  function remove(key) { return run("readwrite", function (s) { s.delete(key); }); }
  function all() { return run("readonly", function (s) { return s.getAll(); }); }

  function formData(item) {
    var data = new FormData();
    item.fields.forEach(function (f) {
      if (f[2] !== undefined) data.append(f[0], f[1], f[2]); else data.append(f[0], f[1]);
    });
    data.set("key", item.key);
    return data;
  }

  // Sends one item; answers "stored", "changed", "refused", "login" or "offline".
  function send(item) {
    return fetch(item.url, {
      method: "POST",
      body: formData(item),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) return remove(item.key).then(function () { return "stored"; });
        if (response.status === 401) return "login";
        if (response.status === 409) {
          item.state = "conflict"; item.current = body.current;
          return put(item).then(function () { return "changed"; });
        }
        if (response.status >= 500) return "offline";
        item.state = "refused"; item.problems = body.problems || [String(response.status)];
        return put(item).then(function () { return "refused"; });
      });
    }, function () { return "offline"; });
  }

  var flushing = null;
  // Sends every waiting item once, one after another; at most one flush at a time.
  function flush() {
    if (flushing) return flushing;
    flushing = all().then(function (items) {
      var waiting = items.filter(function (i) { return i.state === "waiting"; });
      return waiting.reduce(function (done, item) {
        return done.then(function (results) {
          return send(item).then(function (r) { results.push(r); return results; });
        });
      }, Promise.resolve([]));
    }).then(function (results) { flushing = null; return results; },
      function (error) { flushing = null; throw error; });
    return flushing;
  }

  function newKey() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  scope.SongjiaoQueue = { put: put, remove: remove, all: all, send: send, flush: flush, newKey: newKey };
})(self);
