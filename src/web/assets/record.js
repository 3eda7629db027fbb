// The record form: a signature drawn with a finger, photos checked before they
// are sent, the phone's location when the teacher allows it, and saving that
// works without a network (the record waits on the phone, see queue.js).
(function () {
  "use strict";
  var form = document.getElementById("record");
  if (!form) return;
  var words = document.getElementById("record-words").dataset;
  var status = document.getElementById("record-status");
  var MAX_PHOTO = 5 * 1024 * 1024, MAX_PHOTOS = 3;
  var visit = form.dataset.visit;

  function say(lines, kind) {
    status.textContent = "";
    if (!lines.length) return;
    var box = document.createElement("div");
    box.className = kind === "ok" ? "notice ok" : "notice";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
    status.appendChild(box);
    status.scrollIntoView({ block: "start" });
  }

  // The reason only for a missed or cancelled visit; periods not for them.
  function showOutcome() {
    var checked = form.querySelector("input[name=outcome]:checked");
    var outcome = checked ? checked.value : "";
    var misses = outcome === "missed" || outcome === "cancelled";
    form.querySelector(".reason").hidden = !misses;
    form.querySelector(".periods").hidden = misses;
  }
  form.addEventListener("change", function (e) { if (e.target.name === "outcome") showOutcome(); });
  showOutcome();

  // The signature pad: pointer events draw on the canvas, kept as a PNG.
  var pad = document.getElementById("signature-pad");
  var drawn = false;
  if (pad && pad.getContext) {
    pad.parentNode.hidden = false;
    var ctx = pad.getContext("2d");
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    var last = null;
    var at = function (e) {
      var box = pad.getBoundingClientRect();
      return { x: (e.clientX - box.left) * pad.width / box.width, y: (e.clientY - box.top) * pad.height / box.height };
    };
    pad.addEventListener("pointerdown", function (e) {
      if (form.querySelector("fieldset").disabled) return;
      pad.setPointerCapture(e.pointerId); last = at(e); e.preventDefault();
    });
    pad.addEventListener("pointermove", function (e) {
      if (!last) return;
      var p = at(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true; e.preventDefault();
    });
    var stop = function () { last = null; };
    pad.addEventListener("pointerup", stop);
    pad.addEventListener("pointercancel", stop);
    document.getElementById("clear-signature").addEventListener("click", function () {
      ctx.clearRect(0, 0, pad.width, pad.height); drawn = false;
    });
  }

  // Photos: at most three with those kept, each at most 5 MB and an image;
  // refused here at once with the file's name, and again by the server.
  var picker = document.getElementById("photos");
  var previews = document.getElementById("photo-previews");
  function checkPhotos() {
    var problems = [];
    var kept = Number(picker.dataset.kept) -
      form.querySelectorAll("input[name=remove_file]:checked").length;
    var files = Array.prototype.slice.call(picker.files || []);
    if (kept + files.length > MAX_PHOTOS) problems.push(words.tooMany);
    files.forEach(function (f) {
      if (f.size > MAX_PHOTO) problems.push(words.tooLarge + " " + f.name + " (" + (f.size / 1048576).toFixed(1) + " MB)");
      else if (!/^image\/(jpeg|png|webp)$/.test(f.type)) problems.push(words.notImage + " " + f.name);
    });
    return problems;
  }
  picker.addEventListener("change", function () {
    previews.textContent = "";
    var problems = checkPhotos();
    say(problems, "problem");
    if (problems.length) return;
    Array.prototype.forEach.call(picker.files, function (f) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(f); img.alt = f.name;
      li.appendChild(img); previews.appendChild(li);
    });
  });

  // The phone's location, only when asked, and never waited for.
  var share = document.getElementById("share-location");
  if (share && navigator.geolocation) {
    share.closest(".location").hidden = false;
    share.addEventListener("change", function () {
      if (!share.checked) { ["latitude", "longitude", "accuracy"].forEach(function (n) { form.elements[n].value = ""; }); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        form.elements.latitude.value = p.coords.latitude;
        form.elements.longitude.value = p.coords.longitude;
        form.elements.accuracy.value = Math.round(p.coords.accuracy);
        share.parentNode.lastChild.textContent = words.locationKept;
      }, function () { share.checked = false; }, { timeout: 10000, maximumAge: 300000 });
    });
  }

  function summary() {
    var checked = form.querySelector("input[name=outcome]:checked");
    return {
      student: form.dataset.student, when: form.dataset.when,
      outcome: checked ? checked.nextElementSibling.textContent : "",
      periods: form.elements.periods.value
    };
  }

  // The form as a queue item: every field, the photos and the signature.
  function item(signature) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) { if (value.size) fields.push([name, value, value.name]); }
      else fields.push([name, value]);
    });
    if (signature) fields.push(["signature", signature, "signature.png"]);
    return {
      key: SongjiaoQueue.newKey(), visit: visit, url: form.action, fields: fields,
      summary: summary(), state: "waiting", saved_at: new Date().toISOString()
    };
  }

  function done() { location.assign("/?week=" + form.dataset.week + "#visit-" + visit); }

  function settle(record, result) {
    if (result === "stored") { say([words.saved], "ok"); setTimeout(done, 600); return; }
    if (result === "offline" || result === "login") {
      say([words.queued, words.queuedHint], "ok");
      return;
    }
    SongjiaoQueue.all().then(function (items) {
      var now = items.filter(function (i) { return i.key === record.key; })[0];
      if (now) showKept(now);
    });
  }

  // A record kept on this phone for this visit: waiting, or met a change.
  function showKept(kept) {
    if (kept.state === "waiting") { say([words.queued, words.queuedHint], "ok"); return; }
    if (kept.state === "refused") { say([words.problems].concat(kept.problems || []), "problem"); SongjiaoQueue.remove(kept.key); return; }
    var c = kept.current || {};
    status.textContent = "";
    var box = document.createElement("div");
    box.className = "notice conflict";
    var add = function (tag, text) { var e = document.createElement(tag); e.textContent = text; box.appendChild(e); return e; };
    add("h2", words.changedTitle);
    add("p", words.changedHint);
    add("h3", words.theirs);
    add("p", c.cancelled ? words.cancelled : [c.when, c.outcome, c.periods != null ? c.periods + " " + words.periods : "",
      c.recorded_by ? words.recordedBy + " " + c.recorded_by : ""].join(" "));
    add("h3", words.mine);
    add("p", [kept.summary.outcome, kept.summary.periods ? kept.summary.periods + " " + words.periods : ""].join(" "));
    var mine = add("button", words.keepMine);
    mine.type = "button";
    mine.hidden = !!c.cancelled;
    mine.addEventListener("click", function () {
      kept.fields = kept.fields.filter(function (f) { return f[0] !== "seen_version" && f[0] !== "seen_sequence"; });
      kept.fields.push(["seen_version", String(c.seen.record_version)], ["seen_sequence", String(c.seen.sequence)]);
      kept.state = "waiting";
      SongjiaoQueue.put(kept).then(function () { return SongjiaoQueue.send(kept); })
        .then(function (result) { settle(kept, result); });
    });
    var theirs = add("button", words.keepTheirs);
    theirs.type = "button";
    theirs.className = "secondary";
    theirs.addEventListener("click", function () {
      SongjiaoQueue.remove(kept.key).then(function () { location.reload(); });
    });
    status.appendChild(box);
  }

  SongjiaoQueue.all().then(function (items) {
    items.filter(function (i) { return i.visit === visit; }).forEach(showKept);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problems = checkPhotos();
    if (problems.length) { say(problems, "problem"); return; }
    var button = form.querySelector("button.save");
    button.disabled = true;
    say([words.sending], "ok");
    var signed = drawn ? new Promise(function (resolve) { pad.toBlob(resolve, "image/png"); }) : Promise.resolve(null);
    signed.then(function (signature) {
      var record = item(signature);
      // Kept on the phone first: nothing typed is lost if the page closes now.
      return SongjiaoQueue.put(record).then(function () { return SongjiaoQueue.send(record); })
        .then(function (result) { button.disabled = false; settle(record, result); });
    }).catch(function () { button.disabled = false; });
  });
})();
