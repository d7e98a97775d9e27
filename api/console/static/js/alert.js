/* Alert page: evidence with its boxes, readings around the moment, the audit trail, the
   tier and deadline, and the steps the caller's role may take. Signed in, everything comes
   from the scoped API and the page polls the alert; opened from a notice's signed link, the
   server embedded the one alert (read-only) and pictures come through signed links. */
"use strict";
(function () {
  var root = document.getElementById("alert");
  if (!root || root.getAttribute("data-mode") === "refused") return;
  var site = root.getAttribute("data-site");
  var alertId = root.getAttribute("data-alert-id");
  var signed = root.getAttribute("data-mode") === "signed";
  var base = "/kitchens/" + encodeURIComponent(site);
  var alertPath = base + "/alerts/" + encodeURIComponent(alertId);
  var embedded = signed ? JSON.parse(document.getElementById("signed-data").textContent) : null;
  var current = null;      /* the alert detail last shown */
  var me = null;           /* {username, role, actions} */
  var busy = false;        /* a step is being sent or awaited */
  var urls = {};           /* sha → object URL (or signed URL) of a picture */
  var chart = null;

  function fmt(key, params) {
    return BK.t(key).replace(/\{(\w+)\}/g, function (_, k) { return params && params[k] != null ? params[k] : ""; });
  }
  function $(id) { return document.getElementById(id); }
  function token() { return sessionStorage.getItem(BK.TOKEN); }

  function notFound() {
    root.innerHTML = '<h1>' + BK.esc(BK.t("alertpage.title")) + '</h1><p class="error" id="not-found">' +
      BK.esc(BK.t("alertpage.not_found")) + "</p>";
  }

  /* -- pictures ------------------------------------------------------------------------ */

  function pictureUrl(sha) {
    if (urls[sha]) return Promise.resolve(urls[sha]);
    if (signed) {
      var ev = embedded.evidence[sha];
      return ev ? Promise.resolve(urls[sha] = ev.url) : Promise.reject(new Error("no link"));
    }
    /* Evidence needs the bearer token, so it is fetched and shown as a blob URL. */
    return fetch("/evidence/" + encodeURIComponent(sha) + "/image", {
      headers: { "Authorization": "Bearer " + token() }
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then(function (b) { return (urls[sha] = URL.createObjectURL(b)); });
  }

  function evidenceMeta(sha) {
    if (signed) return Promise.resolve(embedded.evidence[sha] || { boxes: [] });
    return BK.api("/evidence/" + encodeURIComponent(sha));
  }

  function drawBoxes(fig, img, boxes) {
    var w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h || !boxes.length) return;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    var size = Math.max(10, Math.round(w / 28));
    boxes.forEach(function (b) {
      var r = document.createElementNS(ns, "rect");
      r.setAttribute("x", b.x1); r.setAttribute("y", b.y1);
      r.setAttribute("width", Math.max(1, b.x2 - b.x1)); r.setAttribute("height", Math.max(1, b.y2 - b.y1));
      r.setAttribute("fill", "none"); r.setAttribute("stroke", "#ff3b30"); r.setAttribute("stroke-width", Math.max(2, w / 200));
      svg.appendChild(r);
      var t = document.createElementNS(ns, "text");
      /* Inside the box's foot: the picture's own label sits above its top edge. */
      t.setAttribute("x", b.x1 + 3); t.setAttribute("y", Math.max(size, b.y2 - 4));
      t.setAttribute("fill", "#ffe14d"); t.setAttribute("font-size", size); t.setAttribute("font-weight", "700");
      t.setAttribute("stroke", "#000"); t.setAttribute("stroke-width", size / 12);
      t.textContent = b.cls + " " + Number(b.score).toFixed(2);
      svg.appendChild(t);
    });
    fig.querySelector(".frame").appendChild(svg);
  }

  function renderEvidence(shas) {
    var box = $("evidence");
    var have = box.getAttribute("data-shas");
    if (have === shas.join(",")) return;
    box.setAttribute("data-shas", shas.join(","));
    if (!shas.length) { box.innerHTML = '<p class="muted">' + BK.esc(BK.t("alertpage.no_evidence")) + "</p>"; return; }
    box.innerHTML = "";
    shas.forEach(function (sha) {
      var fig = document.createElement("figure");
      fig.className = "shot";
      fig.setAttribute("data-sha", sha);
      fig.innerHTML = '<div class="frame"><img alt="' + BK.esc(BK.t("alertpage.evidence")) + '"></div><figcaption></figcaption>';
      box.appendChild(fig);
      var img = fig.querySelector("img");
      evidenceMeta(sha).then(function (meta) {
        var when = meta.ts ? BK.time(meta.ts) : "";
        img.alt = fmt("alertpage.evidence_alt", { camera: meta.camera || "", time: when });
        var boxes = meta.boxes || [];
        fig.querySelector("figcaption").innerHTML = BK.esc([meta.camera, when].filter(Boolean).join(" · ")) +
          (boxes.length ? "<ul>" + boxes.map(function (b) {
            return "<li>" + BK.esc(fmt("alertpage.box", { cls: b.cls, score: Number(b.score).toFixed(2) })) + "</li>";
          }).join("") + "</ul>" : "");
        img.addEventListener("load", function () { drawBoxes(fig, img, boxes); }, { once: true });
        return pictureUrl(sha).then(function (u) { img.src = u; });
      }).catch(function () { fig.querySelector("figcaption").textContent = BK.t("alertpage.no_evidence"); });
    });
  }

  /* -- readings around the moment ------------------------------------------------------- */

  function renderReadings(body) {
    var box = $("readings");
    var series = body.series.filter(function (s) { return s.points.length; });
    if (!series.length) { box.innerHTML = '<p class="muted">' + BK.esc(BK.t("alertpage.no_readings")) + "</p>"; return; }
    var at = Date.parse(body.at) / 1000;
    var xs = [];
    series.forEach(function (s) { s.points.forEach(function (p) { if (xs.indexOf(p[0]) < 0) xs.push(p[0]); }); });
    xs.sort(function (a, b) { return a - b; });
    var data = [xs].concat(series.map(function (s) {
      var m = {}; s.points.forEach(function (p) { m[p[0]] = p[1]; });
      return xs.map(function (x) { return m[x] == null ? null : m[x]; });
    }));
    var colours = ["#c0392b", "#0b5cad", "#146c2e", "#7d3c98", "#9a5b00"];
    var width = Math.max(240, Math.min(box.clientWidth || 600, 900));
    box.innerHTML = "";
    var holder = document.createElement("div");
    holder.className = "chart";
    holder.setAttribute("role", "img");
    holder.setAttribute("aria-label", BK.t("alertpage.readings") + ": " + series.map(function (s) { return s.device + " · " + s.sensor; }).join(", "));
    box.appendChild(holder);
    chart = new uPlot({
      width: width, height: 220,
      series: [{}].concat(series.map(function (s, i) {
        return { label: s.device + " · " + s.sensor, stroke: colours[i % colours.length], width: s.device === body.device ? 2.5 : 1.2, spanGaps: true };
      })),
      axes: [{}, {}],
      hooks: { draw: [function (u) {
        var x = u.valToPos(at, "x", true);
        var ctx = u.ctx;
        ctx.save(); ctx.strokeStyle = "#b42318"; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.restore();
      }] }
    }, data, holder);
  }

  /* -- facts, deadline, trail ----------------------------------------------------------- */

  function clock(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return (d ? d + "d " : "") + two(h) + ":" + two(m) + ":" + two(sec);
  }

  function renderDeadline() {
    var dd = $("f-deadline");
    if (!current || !dd) return;
    var a = current;
    if (!a.deadline) { dd.textContent = BK.t("alertpage.no_deadline"); dd.className = ""; return; }
    var closed = a.task_state === "closed" || a.task_state === "false_positive";
    var left = Date.parse(a.deadline) - Date.now();
    var when = BK.time(a.deadline);
    if (closed) { dd.textContent = when; dd.className = ""; return; }
    if (left > 0 && !a.overdue) {
      dd.innerHTML = BK.esc(when) + ' · <span class="deadline-left">' + BK.esc(BK.t("alertpage.remaining") + " " + clock(left)) + "</span>";
      dd.className = "";
    } else {
      dd.innerHTML = BK.esc(when) + ' · <strong class="deadline-over">' + BK.esc(BK.t("alertpage.overdue_by") + " " + clock(left)) + "</strong>";
      dd.className = "overdue";
    }
  }

  function who(step) {
    if (!step.actor) return BK.t("alertpage.system");
    return step.actor + (step.role ? " (" + BK.t("alertpage.role." + step.role) + ")" : "");
  }

  function renderTrail(steps) {
    var ol = $("trail");
    if (!steps.length) { ol.innerHTML = '<li class="muted">' + BK.esc(BK.t("alertpage.no_steps")) + "</li>"; return; }
    ol.innerHTML = steps.map(function (s) {
      return '<li class="step-' + BK.esc(s.action) + '" data-action="' + BK.esc(s.action) + '" data-state="' + BK.esc(s.state) +
        '" data-actor="' + BK.esc(s.actor || "") + '">' +
        '<div><span class="what">' + BK.esc(BK.t("alertpage.action." + s.action)) + "</span> → " +
        '<span class="pill">' + BK.esc(BK.t("alertpage.task." + s.state)) + "</span></div>" +
        '<div class="who">' + BK.esc(BK.time(s.ts)) + " · " + BK.esc(who(s)) + "</div>" +
        (s.comment ? '<div class="comment">' + BK.esc(s.comment) + "</div>" : "") +
        (s.photos.length ? '<div class="thumbs">' + s.photos.map(function (sha) {
          return '<img class="thumb" data-sha="' + BK.esc(sha) + '" alt="' + BK.esc(BK.t("alertpage.photo_alt")) + '" width="120" height="90">';
        }).join("") + "</div>" : "") + "</li>";
    }).join("");
    Array.prototype.forEach.call(ol.querySelectorAll("img.thumb"), function (img) {
      pictureUrl(img.getAttribute("data-sha")).then(function (u) { img.src = u; }, function () {});
    });
  }

  function renderFacts(a, kitchenName) {
    document.title = a.summary + " · " + BK.t("app.title");
    $("alert-summary").textContent = a.summary;
    $("f-kitchen").textContent = kitchenName || a.site;
    $("f-severity").innerHTML = '<span class="pill sev-' + BK.esc(a.severity) + '">' + BK.esc(BK.t("severity." + a.severity)) + "</span>";
    $("f-state").textContent = BK.t("alert.state." + a.state);
    $("f-tier").textContent = a.tier ? BK.t("tier." + a.tier) : "–";
    $("f-task").textContent = a.task_state ? BK.t("alertpage.task." + a.task_state) : "–";
    $("f-started").textContent = BK.time(a.fired_at || a.started_at);
    $("f-rule").textContent = a.rule + " · " + a.subject;
    $("f-value").textContent = a.value == null || a.threshold == null ? "–" : a.value + " / " + a.threshold;
    $("f-rejections").textContent = String(a.rejections || 0);
    renderDeadline();
  }

  function render(a, kitchenName) {
    current = a;
    renderFacts(a, kitchenName);
    renderEvidence(a.evidence);
    renderTrail(a.steps);
    if (!signed) renderActions();
  }

  /* -- acting ---------------------------------------------------------------------------- */

  function mayPress(action) {
    if (!me || !current || !current.task_state) return false;
    if (me.actions.indexOf(action) < 0) return false;  /* the role, as the API says */
    if (action === "false_positive" && !current.evidence.length) return false;  /* vision alerts */
    /* The steps the task's state takes now, as the API serves them (rules.alerts.STEP_FITS). */
    return (current.steps_fitting || []).indexOf(action) >= 0;
  }

  function renderActions() {
    var card = $("actions");
    if (!card || !me) return;
    card.hidden = false;
    var any = false;
    ["ack", "comment", "false_positive", "review_accept", "review_reject"].forEach(function (act) {
      var ok = mayPress(act);
      $("btn-" + act).hidden = !ok;
      any = any || ok;
    });
    var rect = mayPress("rectify");
    $("form-rectify").hidden = !rect;
    $("form-review").hidden = !(mayPress("review_accept") || mayPress("review_reject"));
    $("form-other").hidden = !(mayPress("ack") || mayPress("comment") || mayPress("false_positive"));
    $("no-actions").hidden = any || rect;
    Array.prototype.forEach.call(card.querySelectorAll("button"), function (b) { b.disabled = busy; });
  }

  function status(text, bad) {
    var el = $("act-status");
    el.textContent = text || "";
    el.className = "act-status" + (bad ? " bad" : "");
  }

  function requestId() {
    var rnd = new Uint32Array(2);
    crypto.getRandomValues(rnd);
    return "web-" + Date.now().toString(36) + "-" + rnd[0].toString(36) + rnd[1].toString(36);
  }

  function send(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Authorization": "Bearer " + token() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.status === 401) { location.href = "/console/login?expired=1&next=" + encodeURIComponent(location.pathname); }
        if (!r.ok) {
          var e = new Error(r.status === 403 ? BK.t("alertpage.forbidden") : (typeof j.detail === "string" ? j.detail : "HTTP " + r.status));
          e.status = r.status; throw e;
        }
        return j;
      });
    });
  }

  /* A phone's camera may give another format: anything not JPEG is redrawn as a JPEG. */
  function asJpeg(file) {
    if (file.type === "image/jpeg" && file.size <= 8 * 1024 * 1024) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, 2048 / Math.max(bmp.width, bmp.height));
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * scale); c.height = Math.round(bmp.height * scale);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (ok, fail) {
        c.toBlob(function (b) { if (b) ok(b); else fail(new Error(BK.t("alertpage.photo_too_big"))); }, "image/jpeg", 0.88);
      });
    });
  }

  function base64(blob) {
    return new Promise(function (ok, fail) {
      var r = new FileReader();
      r.onload = function () { ok(String(r.result).split(",")[1]); };
      r.onerror = function () { fail(r.error); };
      r.readAsDataURL(blob);
    });
  }

  function upload(files) {
    return Promise.all(Array.prototype.map.call(files, function (f) {
      return asJpeg(f).then(base64).then(function (b64) {
        return send(alertPath + "/photos", { jpeg_base64: b64 });
      }).then(function (j) { return j.sha256; });
    }));
  }

  /* Poll the alert until the worker has written this request's step (applied or refused). */
  function awaitStep(rid) {
    var deadline = Date.now() + 30000;
    return new Promise(function (ok, fail) {
      (function tick() {
        BK.api(alertPath).then(function (a) {
          var step = a.steps.filter(function (s) { return s.request_id === rid; })[0];
          if (step) { render(a, $("f-kitchen").textContent); ok(step); return; }
          if (Date.now() > deadline) { fail(new Error(BK.t("alertpage.waiting"))); return; }
          setTimeout(tick, 250);
        }, fail);
      })();
    });
  }

  function act(action, comment, files) {
    if (busy) return;
    busy = true;
    renderActions();
    status(BK.t("alertpage.sending"));
    var rid = requestId();
    Promise.resolve(files && files.length ? upload(files) : []).then(function (photos) {
      var body = { request_id: rid, action: action };
      if (comment) body.comment = comment;
      if (photos.length) body.photos = photos;
      return send(alertPath + "/actions", body);
    }).then(function () {
      status(BK.t("alertpage.waiting"));
      return awaitStep(rid);
    }).then(function (step) {
      busy = false;
      if (step.action === "refused") status(fmt("alertpage.refused", { why: step.comment || "" }), true);
      else {
        status(fmt("alertpage.applied", { what: BK.t("alertpage.action." + step.action) }));
        ["rect-comment", "review-reason", "act-comment"].forEach(function (id) { $(id).value = ""; });
        $("rect-photos").value = "";
      }
      renderActions();
    }, function (e) {
      busy = false;
      status(fmt("alertpage.failed", { why: e.message }), true);
      renderActions();
    });
  }

  function wireActions() {
    $("form-rectify").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var files = $("rect-photos").files;
      if (!files.length) { status(BK.t("alertpage.need_photo"), true); return; }
      act("rectify", $("rect-comment").value.trim(), files);
    });
    ["review_accept", "review_reject"].forEach(function (a) {
      $("btn-" + a).addEventListener("click", function () {
        var why = $("review-reason").value.trim();
        if (a === "review_reject" && !why) { status(BK.t("alertpage.need_reason"), true); $("review-reason").focus(); return; }
        act(a, why);
      });
    });
    ["ack", "comment", "false_positive"].forEach(function (a) {
      $("btn-" + a).addEventListener("click", function () {
        var text = $("act-comment").value.trim();
        if (a === "comment" && !text) { status(BK.t("alertpage.need_comment"), true); $("act-comment").focus(); return; }
        act(a, text);
      });
    });
  }

  /* -- start ------------------------------------------------------------------------------- */

  /* The alert's video clip through helper REC's bkClip (static/js/recordings.js, included
     when it ships): a promise of true when playing; the box stays hidden otherwise. */
  function showClip() {
    if (typeof window.bkClip !== "function") return;
    var box = $("clip-box");
    try {
      Promise.resolve(window.bkClip($("clip"), site, alertId)).then(function (ok) {
        box.hidden = ok !== true;
      }, function () { box.hidden = true; });
    } catch (e) { box.hidden = true; }
  }

  setInterval(renderDeadline, 1000);

  if (signed) {
    $("back").hidden = true;
    render(embedded.alert, embedded.kitchen.name);
    renderReadings(embedded.readings);
    return;
  }

  var kitchenName = "";
  Promise.all([
    BK.api(alertPath),
    BK.api(base).then(function (k) { return k.name || k.id; }),
    BK.api("/console/api/me")
  ]).then(function (got) {
    kitchenName = got[1];
    me = got[2];
    $("back").textContent = BK.t("alertpage.back") + " · " + kitchenName;
    render(got[0], kitchenName);
    wireActions();
    showClip();
    BK.api("/console/api/kitchens/" + encodeURIComponent(site) + "/alerts/" + encodeURIComponent(alertId) + "/readings")
      .then(renderReadings, function () { $("readings").innerHTML = '<p class="muted">' + BK.esc(BK.t("alertpage.no_readings")) + "</p>"; });
    /* Someone else's step shows within a few seconds; a hidden tab asks once a minute. */
    BK.poll(function () {
      if (busy) return null;
      return BK.api(alertPath).then(function (a) { render(a, kitchenName); });
    }, 3000, 60000);
  }, function (e) {
    if (e && e.status === 404) notFound();
  });
})();
