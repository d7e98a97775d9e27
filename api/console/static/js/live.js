/* Kitchen page: live camera tiles over one WebSocket, a single camera as MJPEG.

   Frames arrive as the camera published them (JPEG bytes behind a small JSON header,
   see api/routers/live.py). Each tile decodes off the main thread (createImageBitmap)
   and paints in the next animation frame; a frame that arrives while the previous one
   is still decoding replaces the waiting one, so a busy page drops stale frames instead
   of falling behind. Tiles off screen, or a hidden tab, ask the server for one frame
   every few seconds. Clicking a tile opens the camera's MJPEG stream (a short-lived
   signed URL, since an <img> cannot send the bearer token).

   A benchmark may set `window.__bkLivePaints = []` before the page loads: each painted
   frame is then pushed as [site, camera, seq, epoch ms of the paint]. */
"use strict";
(function () {
  var root = document.getElementById("live");
  if (!root) return;
  var site = root.getAttribute("data-site");
  var list = document.getElementById("live-tiles");
  var status = document.getElementById("live-status");
  var dialog = document.getElementById("live-single");
  var single = document.getElementById("live-mjpeg");
  var singleTitle = document.getElementById("live-single-h");
  var tiles = {};
  var ws = null;
  var retryMs = 1000;
  var watchTimer = null;
  var decoder = new TextDecoder();
  var STALE_MS = 15000;

  function say(key) {
    status.textContent = key ? BK.t(key) : "";
    status.hidden = !key;
  }

  function addTile(cam) {
    var key = site + "/" + cam.id;
    var li = document.createElement("li");
    li.className = "live-tile";
    li.setAttribute("data-key", key);
    li.setAttribute("data-camera", cam.id);
    var label = (cam.name || cam.id);
    li.innerHTML =
      '<button type="button" class="live-open" aria-label="' + BK.esc(BK.t("live.open") + " " + label) + '">' +
      '<canvas width="640" height="480"></canvas></button>' +
      '<div class="live-cap"><span class="live-name">' + BK.esc(label) + '</span> ' +
      '<span class="live-when muted">' + BK.esc(BK.t("live.no_signal")) + "</span></div>";
    list.appendChild(li);
    var canvas = li.querySelector("canvas");
    var tile = {
      key: key, camera: cam.id, label: label, el: li, canvas: canvas, ctx: canvas.getContext("2d"),
      when: li.querySelector(".live-when"), visible: true, busy: false, pending: null, last: 0
    };
    tiles[key] = tile;
    li.querySelector("button").addEventListener("click", function () { openSingle(tile); });
    if (window.IntersectionObserver) observer.observe(li);
  }

  var observer = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      var tile = tiles[e.target.getAttribute("data-key")];
      if (tile && tile.visible !== e.isIntersecting) { tile.visible = e.isIntersecting; scheduleWatch(); }
    });
  }) : null;

  /* Tell the server which cameras we want and which of them are on screen (debounced). */
  function scheduleWatch() {
    clearTimeout(watchTimer);
    watchTimer = setTimeout(sendWatch, 100);
  }

  function sendWatch() {
    if (!ws || ws.readyState !== WebSocket.OPEN || !ws.ready) return;
    var shown = document.visibilityState === "visible";
    ws.send(JSON.stringify({
      type: "watch",
      cameras: Object.keys(tiles).map(function (k) {
        var t = tiles[k];
        return { site: site, camera: t.camera, visible: shown && t.visible };
      })
    }));
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var sock = new WebSocket(proto + "//" + location.host + "/ws/live");
    sock.binaryType = "arraybuffer";
    ws = sock;
    sock.onopen = function () {
      sock.send(JSON.stringify({ type: "auth", token: sessionStorage.getItem(BK.TOKEN) || "" }));
    };
    sock.onmessage = function (ev) {
      if (typeof ev.data !== "string") { onFrame(ev.data); return; }
      var msg = JSON.parse(ev.data);
      if (msg.type === "ready") {
        sock.ready = true;
        retryMs = 1000;
        say("");
        sendWatch();
      } else if (msg.type === "watching") {
        (msg.refused || []).forEach(function (k) {
          var t = tiles[k];
          if (t) { t.el.classList.add("refused"); t.when.textContent = BK.t("live.refused"); }
        });
      }
    };
    sock.onclose = function (ev) {
      if (ws === sock) ws = null;
      if (ev.code === 4401) {
        // The token is gone: the API client sends the person to sign in again.
        BK.api("/kitchens/" + encodeURIComponent(site)).catch(function () {});
        return;
      }
      say(ev.code === 1013 ? "live.unavailable" : "live.reconnecting");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  function onFrame(buf) {
    var n = new DataView(buf).getUint16(0);
    var head = JSON.parse(decoder.decode(new Uint8Array(buf, 2, n)));
    var tile = tiles[head.site + "/" + head.camera];
    if (!tile) return;
    tile.pending = { head: head, blob: new Blob([new Uint8Array(buf, 2 + n)], { type: "image/jpeg" }) };
    if (!tile.busy) paint(tile);
  }

  function paint(tile) {
    var job = tile.pending;
    tile.pending = null;
    tile.busy = true;
    function next() {
      tile.busy = false;
      if (tile.pending) paint(tile);
    }
    createImageBitmap(job.blob).then(function (bmp) {
      requestAnimationFrame(function () {
        if (tile.canvas.width !== bmp.width || tile.canvas.height !== bmp.height) {
          tile.canvas.width = bmp.width;
          tile.canvas.height = bmp.height;
        }
        tile.ctx.drawImage(bmp, 0, 0);
        bmp.close();
        var painted = performance.timeOrigin + performance.now();
        if (window.__bkLivePaints) window.__bkLivePaints.push([job.head.site, job.head.camera, job.head.seq, painted]);
        tile.last = Date.now();
        tile.el.setAttribute("data-seq", String(job.head.seq));
        tile.el.classList.remove("stale");
        tile.when.textContent = BK.t("live.captured") + " " + BK.time(new Date(job.head.ts).toISOString());
        next();
      });
    }, next);
  }

  /* A visible tile silent for a while says so (the camera or its uplink is down). */
  setInterval(function () {
    var now = Date.now();
    Object.keys(tiles).forEach(function (k) {
      var t = tiles[k];
      if (t.last && t.visible && document.visibilityState === "visible" && now - t.last > STALE_MS) {
        t.el.classList.add("stale");
        t.when.textContent = BK.t("live.no_signal");
      }
    });
  }, 5000);

  document.addEventListener("visibilitychange", scheduleWatch);

  /* Single camera: MJPEG through a signed link; reopened if the stream ends. */
  var open = null;
  function openSingle(tile) {
    open = tile;
    singleTitle.textContent = BK.t("live.single") + " · " + tile.label;
    single.alt = tile.label;
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    startStream();
  }

  function startStream() {
    var tile = open;
    if (!tile) return;
    BK.api("/kitchens/" + encodeURIComponent(site) + "/cameras/" + encodeURIComponent(tile.camera) + "/live-link",
      { method: "POST" }).then(function (link) {
      if (open === tile) single.src = link.path;
    }, function () {
      if (open === tile) setTimeout(startStream, 3000);
    });
  }

  single.addEventListener("error", function () { if (open && single.getAttribute("src")) setTimeout(startStream, 2000); });

  function closeSingle() {
    open = null;
    single.removeAttribute("src");  // ends the stream
    if (dialog.open && dialog.close) dialog.close();
  }
  document.getElementById("live-single-close").addEventListener("click", closeSingle);
  dialog.addEventListener("close", function () { if (open) closeSingle(); });

  say("live.connecting");
  BK.api("/kitchens/" + encodeURIComponent(site) + "/devices").then(function (devices) {
    var cams = devices.filter(function (d) { return d.kind === "camera"; });
    if (!cams.length) { say("live.no_cameras"); return; }
    cams.forEach(addTile);
    connect();
  }, function () { say("live.unavailable"); });
})();
