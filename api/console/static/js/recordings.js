/* Recorded video on the console.
 *
 * Kitchen page (the <!-- recordings --> block of kitchen.html): one time slider per camera
 * over the last 24 h, from GET /kitchens/{site}/cameras/{camera}/coverage: recorded spans,
 * gaps, and gaps inside the kitchen's working hours in the warning colour. Clicking the
 * slider (or Enter on it; arrow keys move by 5 minutes) plays two minutes from that moment
 * (or from the next recorded moment, when it falls in a gap) in the <video> below, from
 * GET .../playback?format=mp4.
 *
 * Anywhere (the alert page): bkClip(videoEl, site, alertId) shows the alert's frozen
 * evidence clip (30 s before to 60 s after) in `videoEl`; it returns a promise of true
 * when the clip is playing, false when there is none (404) or it failed its evidence-chain
 * check (409); a sentence for the person is then in `videoEl.dataset.message`.
 *
 * The API needs the bearer token and a <video> cannot send it, so the video is fetched
 * (windows are short: at most 15 minutes) and shown from a blob URL.
 */
"use strict";
var bkClip;
(function () {
  var DAY_MS = 24 * 3600 * 1000;
  var PLAY_MS = 2 * 60 * 1000;
  var STEP_MS = 5 * 60 * 1000;

  /* Fetch `path` with the bearer token into `video` as a blob URL: a promise of
     {ok: true} or {ok: false, status: code}. */
  function playInto(video, path) {
    var token = sessionStorage.getItem(BK.TOKEN) || "";
    return fetch(path, { headers: { "Authorization": "Bearer " + token } }).then(function (r) {
      if (!r.ok) return { ok: false, status: r.status };
      return r.blob().then(function (blob) {
        if (video.dataset.blob) URL.revokeObjectURL(video.dataset.blob);
        var url = URL.createObjectURL(blob);
        video.dataset.blob = url;
        video.src = url;
        var played = video.play();
        if (played && played.catch) played.catch(function () { /* autoplay refused: controls remain */ });
        return { ok: true, status: r.status };
      });
    }, function () { return { ok: false, status: 0 }; });
  }

  bkClip = function (videoEl, site, alertId) {
    var path = "/kitchens/" + encodeURIComponent(site) + "/alerts/" + encodeURIComponent(alertId) + "/clip?format=mp4";
    videoEl.dataset.message = BK.t("recordings.loading");
    return playInto(videoEl, path).then(function (res) {
      videoEl.dataset.message = res.ok ? "" :
        BK.t(res.status === 404 ? "recordings.clip_none" : res.status === 409 ? "recordings.clip_refused" : "recordings.failed");
      return res.ok;
    });
  };

  var box = document.getElementById("recordings");
  var kitchen = document.getElementById("kitchen");
  if (!box || !kitchen) return;  // bkClip only (alert page)
  var site = kitchen.getAttribute("data-site");
  var base = "/kitchens/" + encodeURIComponent(site);
  var list = document.getElementById("rec-cameras");
  var video = document.getElementById("rec-video");
  var caption = document.getElementById("rec-caption");
  var tracks = {};  // camera → {el, cov, cursor}

  function clock(ms) {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  }

  function when(ms) { return BK.time(new Date(ms).toISOString()); }

  /* The moment to play for a click at `ms`: itself when recorded, else the next recorded
     moment, else null. */
  function playable(cov, ms) {
    for (var i = 0; i < cov.spans.length; i++) {
      var a = Date.parse(cov.spans[i].start), b = Date.parse(cov.spans[i].end);
      if (ms >= a && ms < b) return ms;
      if (a >= ms) return a;
    }
    return null;
  }

  function play(camera, ms) {
    var tr = tracks[camera];
    if (!tr || !tr.cov) return;
    var at = playable(tr.cov, ms);
    if (at === null) { caption.textContent = BK.t("recordings.nothing"); return; }
    var end = Math.min(at + PLAY_MS, Date.parse(tr.cov.end));
    if (end <= at) end = at + PLAY_MS;
    caption.textContent = BK.t("recordings.loading");
    video.dataset.camera = camera;
    var path = base + "/cameras/" + encodeURIComponent(camera) + "/playback?format=mp4&start=" +
      encodeURIComponent(new Date(at).toISOString()) + "&end=" + encodeURIComponent(new Date(end).toISOString());
    playInto(video, path).then(function (res) {
      caption.textContent = res.ok
        ? BK.t("recordings.playing") + " " + camera + " · " + when(at)
        : BK.t(res.status === 404 ? "recordings.nothing" : "recordings.failed");
    });
  }

  function cursorTo(camera, ms) {
    var tr = tracks[camera];
    var t0 = Date.parse(tr.cov.start), t1 = Date.parse(tr.cov.end);
    tr.cursor = Math.max(t0, Math.min(t1, ms));
    var pct = (tr.cursor - t0) / (t1 - t0) * 100;
    tr.el.querySelector(".rec-cursor").style.left = pct.toFixed(3) + "%";
    tr.el.setAttribute("aria-valuenow", String(Math.round((tr.cursor - t0) / 60000)));
    tr.el.setAttribute("aria-valuetext", when(tr.cursor));
  }

  function bar(cls, a, b, t0, t1, title) {
    var left = (a - t0) / (t1 - t0) * 100, width = Math.max(0.15, (b - a) / (t1 - t0) * 100);
    return '<span class="' + cls + '" style="left:' + left.toFixed(3) + "%;width:" + width.toFixed(3) + '%" title="' +
      BK.esc(title + " " + when(a) + " – " + when(b)) + '"></span>';
  }

  function draw(camera, cov) {
    var tr = tracks[camera];
    tr.cov = cov;
    var t0 = Date.parse(cov.start), t1 = Date.parse(cov.end);
    // Gaps in grey; the part of a gap inside working hours over it in the warning colour.
    var work = cov.working_hours.map(function (w) { return [Date.parse(w.start), Date.parse(w.end)]; });
    var html = cov.gaps.map(function (g) {
      var a = Date.parse(g.start), b = Date.parse(g.end);
      var out = bar("rec-gap", a, b, t0, t1, BK.t("recordings.gap"));
      work.forEach(function (w) {
        var lo = Math.max(a, w[0]), hi = Math.min(b, w[1]);
        if (hi > lo) out += bar("rec-gap rec-work", lo, hi, t0, t1, BK.t("recordings.gap_work"));
      });
      return out;
    }).join("") + cov.spans.map(function (s) {
      return bar("rec-span", Date.parse(s.start), Date.parse(s.end), t0, t1, BK.t("recordings.recorded"));
    }).join("") + '<span class="rec-cursor" aria-hidden="true"></span>';
    tr.el.innerHTML = html;
    tr.el.setAttribute("aria-valuemax", String(Math.round((t1 - t0) / 60000)));
    cursorTo(camera, tr.cursor === null ? t1 : tr.cursor);
    var row = tr.el.parentNode;
    row.querySelector(".rec-axis").innerHTML = [0, 0.25, 0.5, 0.75, 1].map(function (f) {
      return "<span>" + BK.esc(clock(t0 + f * (t1 - t0))) + "</span>";
    }).join("");
    var rate = cov.online_rate === null ? "–" : Math.round(cov.online_rate * 100) + "%";
    row.querySelector(".rec-online").textContent = cov.recorder
      ? BK.t("recordings.online") + " " + rate
      : BK.t("recordings.no_recorder");
    row.setAttribute("data-gaps", String(cov.gaps.length));
    row.setAttribute("data-work-gaps", String(cov.gaps.filter(function (g) { return g.in_working_hours; }).length));
  }

  function addTrack(camera, name) {
    var li = document.createElement("li");
    li.className = "rec-row";
    li.setAttribute("data-camera", camera);
    var label = name && name !== camera ? name + " (" + camera + ")" : camera;
    li.innerHTML = '<div class="rec-head"><strong>' + BK.esc(label) + '</strong> <span class="rec-online muted"></span></div>' +
      '<div class="rec-track" role="slider" tabindex="0" aria-valuemin="0" aria-valuemax="1440" aria-valuenow="1440" aria-label="' +
      BK.esc(label + " · " + BK.t("recordings.slider")) + '"></div><div class="rec-axis muted" aria-hidden="true"></div>';
    list.appendChild(li);
    var el = li.querySelector(".rec-track");
    tracks[camera] = { el: el, cov: null, cursor: null };
    el.addEventListener("click", function (ev) {
      var tr = tracks[camera];
      if (!tr.cov) return;
      var rect = el.getBoundingClientRect();
      var t0 = Date.parse(tr.cov.start), t1 = Date.parse(tr.cov.end);
      var ms = t0 + (ev.clientX - rect.left) / rect.width * (t1 - t0);
      cursorTo(camera, ms);
      play(camera, ms);
    });
    el.addEventListener("keydown", function (ev) {
      var tr = tracks[camera];
      if (!tr.cov) return;
      if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
        cursorTo(camera, tr.cursor + (ev.key === "ArrowLeft" ? -STEP_MS : STEP_MS));
        ev.preventDefault();
      } else if (ev.key === "Enter" || ev.key === " ") {
        play(camera, tr.cursor);
        ev.preventDefault();
      }
    });
  }

  function refresh() {
    var end = Date.now();
    var q = "?start=" + encodeURIComponent(new Date(end - DAY_MS).toISOString()) + "&end=" + encodeURIComponent(new Date(end).toISOString());
    return Promise.all(Object.keys(tracks).map(function (camera) {
      return BK.api(base + "/cameras/" + encodeURIComponent(camera) + "/coverage" + q).then(function (cov) { draw(camera, cov); });
    }));
  }

  BK.api(base + "/devices").then(function (devices) {
    var cams = devices.filter(function (d) { return d.kind === "camera"; });
    if (!cams.length) {
      list.innerHTML = '<li class="muted">' + BK.esc(BK.t("recordings.no_cameras")) + "</li>";
      return;
    }
    cams.forEach(function (d) { addTrack(d.id, d.name); });
    BK.poll(refresh, 60000, 300000);
  }, function () { /* the kitchen page already says what went wrong */ });
})();
