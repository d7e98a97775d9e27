/* Kitchen page: latest readings, device health, open alerts with evidence, 24 h charts. */
"use strict";
(function () {
  var root = document.getElementById("kitchen");
  var site = root.getAttribute("data-site");
  var base = "/kitchens/" + encodeURIComponent(site);
  var plots = {};
  var thumbs = {};

  function fmtValue(v) { return (Math.round(v * 10) / 10).toFixed(1); }

  function loadThumb(img, sha) {
    /* Evidence needs the bearer token, so it is fetched and shown as a blob URL. */
    if (thumbs[sha]) { img.src = thumbs[sha]; return; }
    fetch("/evidence/" + encodeURIComponent(sha) + "/image", {
      headers: { "Authorization": "Bearer " + sessionStorage.getItem(BK.TOKEN) }
    }).then(function (r) { return r.ok ? r.blob() : null; }).then(function (b) {
      if (b) { thumbs[sha] = URL.createObjectURL(b); img.src = thumbs[sha]; }
    });
  }

  function loadKitchen() {
    return BK.api(base).then(function (k) {
      document.getElementById("kitchen-name").textContent = k.name || k.id;
      document.title = (k.name || k.id) + " · " + BK.t("app.title");
      document.getElementById("kitchen-meta").innerHTML =
        BK.esc(BK.t("category." + k.category)) + " · " + BK.esc(k.address || "") +
        ' · <a href="/console/public/' + encodeURIComponent(k.public_id) + '">' + BK.esc(BK.t("kitchen.public")) + "</a>";
    }, function (e) {
      if (e.status === 404) { root.innerHTML = '<p class="error">' + BK.esc(BK.t("error.not_found")) + "</p>"; throw e; }
      throw e;
    });
  }

  function loadState() {
    return BK.api(base + "/state").then(function (s) {
      var notes = [];
      if (!s.store_available) notes.push(BK.t("error.store"));
      if (!s.alerts_available) notes.push(BK.t("error.alerts"));
      BK.banner(notes.join(" "));
      var r = document.getElementById("readings");
      r.innerHTML = s.readings.length ? s.readings.map(function (x) {
        return "<li><span>" + BK.esc(x.device + " · " + x.sensor) + '</span><strong class="reading">' + fmtValue(x.value) +
          '</strong><span class="muted">' + BK.esc(BK.time(x.ts)) + "</span></li>";
      }).join("") : '<li class="muted">' + BK.esc(BK.t("kitchen.no_readings")) + "</li>";
      document.getElementById("devices").innerHTML = s.devices.map(function (d) {
        return "<li><span>" + BK.esc(d.name || d.id) + ' <span class="muted">(' + BK.esc(d.kind) + ")</span></span>" +
          '<span class="state-' + BK.esc(d.state) + '">' + BK.esc(BK.t("state." + d.state)) + "</span>" +
          '<span class="muted">' + (d.since ? BK.esc(BK.t("kitchen.since") + " " + BK.time(d.since)) : "") + "</span></li>";
      }).join("");
      var a = document.getElementById("alerts");
      a.innerHTML = s.open_alerts.length ? s.open_alerts.map(function (x) {
        return '<li class="alert sev-' + BK.esc(x.severity) + '" data-alert="' + BK.esc(x.id) + '">' +
          '<div><span class="pill sev-' + BK.esc(x.severity) + '">' + BK.esc(BK.t("severity." + x.severity)) + "</span> " +
          '<span class="pill">' + BK.esc(BK.t("alert.state." + x.state)) + "</span> " +
          '<span class="when">' + BK.esc(BK.time(x.fired_at || x.started_at)) + "</span></div>" +
          '<div class="summary-text"><a class="alert-link" href="' + base.replace("/kitchens/", "/console/kitchens/") + "/alerts/" +
          encodeURIComponent(x.id) + '">' + BK.esc(x.summary) + "</a></div>" +
          '<div class="thumbs">' + x.evidence.map(function (sha) {
            return '<img class="thumb" data-sha="' + BK.esc(sha) + '" alt="' + BK.esc(BK.t("kitchen.evidence")) + '" width="120" height="90">';
          }).join("") + "</div></li>";
      }).join("") : '<li class="muted">' + BK.esc(BK.t("kitchen.no_alerts")) + "</li>";
      Array.prototype.forEach.call(a.querySelectorAll("img.thumb"), function (img) { loadThumb(img, img.getAttribute("data-sha")); });
    });
  }

  function loadSeries() {
    return BK.api("/console/api/kitchens/" + encodeURIComponent(site) + "/series?hours=24").then(function (body) {
      var box = document.getElementById("charts");
      if (!body.series.length) { box.innerHTML = '<p class="muted">' + BK.esc(BK.t("kitchen.no_series")) + "</p>"; plots = {}; return; }
      var width = Math.max(240, Math.min(box.clientWidth || 600, 900));
      body.series.forEach(function (s) {
        var key = s.device + "/" + s.sensor;
        var data = [s.points.map(function (p) { return p[0]; }), s.points.map(function (p) { return p[1]; })];
        if (plots[key]) { plots[key].setData(data); return; }
        var holder = document.createElement("div");
        holder.className = "chart";
        holder.setAttribute("data-series", key);
        box.appendChild(holder);
        plots[key] = new uPlot({
          title: key, width: width, height: 180,
          series: [{}, { label: s.sensor, stroke: "#c0392b", width: 2 }],
          axes: [{}, {}]
        }, data, holder);
      });
    });
  }

  loadKitchen().then(function () {
    BK.poll(loadState, 5000, 60000);
    BK.poll(loadSeries, 60000, 300000);
  }, function () {});
})();
