// SkillGrid attempt page: autosave every answer as it changes, keep unsent answers across
// crashes and network drops, and count down to the server's deadline.
// Without JavaScript the page still works: its Save / Next / Finish buttons post the answers.
(function () {
  "use strict";

  var form = document.getElementById("attempt-form");
  if (!form) { return; }

  var saveUrl = form.dataset.saveUrl;
  var submitUrl = form.dataset.submitUrl;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var status = document.getElementById("save-status");
  var storeKey = "skillgrid-unsent-" + form.dataset.attemptId;
  var lastSeq = 0;
  var timers = {};
  var inFlight = {};
  var closed = false;

  // Sequence numbers grow with time, so two tabs or a reload never reuse one and the newest
  // answer wins on the server whatever order the requests arrive in.
  function nextSeq() {
    lastSeq = Math.max(Date.now(), lastSeq + 1);
    return lastSeq;
  }

  function unsent() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }

  function keepUnsent(map) {
    try { window.localStorage.setItem(storeKey, JSON.stringify(map)); } catch (e) { /* private mode */ }
  }

  function show(kind, when) {
    if (!status) { return; }
    var label = status.dataset[kind + "Label"] || "";
    status.textContent = when ? label + " " + when : label;
    status.classList.toggle("text-danger", kind === "offline" || kind === "closed");
  }

  // The time of a save in the company's zone (SKILLGRID_TIMEZONE), as the server writes it
  // after a reload: HH:mm:ss, whatever zone the browser's computer is set to.
  function clockTime(at) {
    var zone = status && status.dataset.timezone;
    try {
      var parts = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || undefined, hour: "2-digit", minute: "2-digit", second: "2-digit",
        hourCycle: "h23"
      }).formatToParts(at);
      var pick = function (type) {
        return parts.filter(function (p) { return p.type === type; })[0].value;
      };
      return pick("hour") + ":" + pick("minute") + ":" + pick("second");
    } catch (e) {
      return at.toISOString().substring(11, 19) + " UTC";
    }
  }

  function fieldsOf(question) {
    var fields = [];
    question.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      fields.push([el.name, el.value]);
    });
    return fields;
  }

  function markAnswered(slot, fields) {
    var link = document.querySelector('[data-nav-slot="' + slot + '"]');
    if (!link) { return; }
    var answered = fields.some(function (f) { return f[1] !== ""; });
    link.classList.toggle("btn-secondary", answered);
    link.classList.toggle("btn-outline-secondary", !answered);
  }

  function send(slot, entry) {
    if (closed) { return; }
    inFlight[slot] = entry.seq;
    var body = new URLSearchParams();
    body.append("slot", slot);
    body.append("seq", entry.seq);
    entry.fields.forEach(function (f) { body.append(f[0], f[1]); });
    show("saving");
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      if (result.code === 409) {
        closed = true;
        show("closed");
        if (result.data.review_url) { window.location.href = result.data.review_url; }
        return;
      }
      if (result.code === 400 && result.data.error) {
        // Refused for good (an answer over the size limit): say why; retrying cannot help.
        var refused = unsent();
        if (refused[slot] && refused[slot].seq <= entry.seq) { delete refused[slot]; keepUnsent(refused); }
        status.textContent = result.data.error;
        status.classList.add("text-danger");
        return;
      }
      if (result.code !== 200) { throw new Error("save failed: " + result.code); }
      var map = unsent();
      if (map[slot] && map[slot].seq <= entry.seq) { delete map[slot]; keepUnsent(map); }
      show("saved", clockTime(new Date(result.data.saved_at)));
    }).catch(function () {
      show("offline");
      window.setTimeout(function () { retry(slot); }, 3000);
    }).finally(function () {
      delete inFlight[slot];
    });
  }

  function retry(slot) {
    var entry = unsent()[slot];
    if (entry && inFlight[slot] === undefined) { send(slot, entry); }
  }

  function queue(question, delay) {
    var slot = question.dataset.slot;
    var fields = fieldsOf(question);
    var entry = { seq: nextSeq(), fields: fields };
    var map = unsent();
    map[slot] = entry;          // kept until the server confirms: a crash loses nothing
    keepUnsent(map);
    markAnswered(slot, fields);
    window.clearTimeout(timers[slot]);
    timers[slot] = window.setTimeout(function () { send(slot, unsent()[slot] || entry); }, delay);
  }

  document.querySelectorAll(".que").forEach(function (question) {
    question.addEventListener("change", function () { queue(question, 0); });
    question.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { queue(question, 800); }
    });
  });

  // Page buttons post the whole page: give that save a fresh sequence number too.
  form.addEventListener("submit", function () {
    document.getElementById("page-seq").value = nextSeq();
    var map = unsent();
    document.querySelectorAll(".que").forEach(function (q) { delete map[q.dataset.slot]; });
    keepUnsent(map);
  });

  // Answers typed before a crash or a network drop are sent again (with their original,
  // older sequence numbers, so they never overwrite something saved later elsewhere).
  var pending = unsent();
  Object.keys(pending).forEach(function (slot) { send(slot, pending[slot]); });
  window.addEventListener("online", function () {
    Object.keys(unsent()).forEach(retry);
  });

  // The countdown shows the server's deadline; the server enforces it whatever the clock says.
  var timer = document.getElementById("timer");
  if (timer) {
    var deadline = Date.parse(timer.dataset.deadline);
    var skew = Date.parse(timer.dataset.now) - Date.now();
    var value = document.getElementById("timer-value");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left <= 60) { timer.classList.add("text-danger"); }
      if (left === 0) {
        window.clearInterval(handle);
        var submit = document.createElement("form");
        submit.method = "post";
        submit.action = submitUrl;
        var token = document.createElement("input");
        token.type = "hidden";
        token.name = "csrf_token";
        token.value = csrf;
        submit.appendChild(token);
        document.body.appendChild(submit);
        submit.submit();
      }
    };
    var handle = window.setInterval(tick, 1000);
    tick();
  }
})();
