/* Command centre: kitchens in scope with filters and a summary; live alert feed. */
"use strict";
(function () {
  var FILTERS = ["district", "street", "grid", "category"];
  var kitchens = [];
  var names = {};
  var grades = {};  /* site → grade (优秀/良好/一般) or null when not scored; absent: not read yet */
  var form = document.getElementById("filters");

  function fillSelect(key, values, label) {
    var sel = document.getElementById("filter-" + key);
    var current = sel.value;
    var have = Array.prototype.map.call(sel.options, function (o) { return o.value; }).join("|");
    var want = [""].concat(values).join("|");
    if (have === want) return;
    sel.innerHTML = '<option value="">' + BK.esc(BK.t("centre.all")) + "</option>" +
      values.map(function (v) { return '<option value="' + BK.esc(v) + '">' + BK.esc(label(v)) + "</option>"; }).join("");
    sel.value = values.indexOf(current) >= 0 ? current : "";
  }

  function field(k, key) { return key === "category" ? k.category : k[key + "_id"]; }

  function alertCount(k) { return Object.keys(k.alerts).reduce(function (n, s) { return n + k.alerts[s]; }, 0); }

  function render() {
    var chosen = {};
    FILTERS.forEach(function (f) { chosen[f] = form.elements[f].value; });
    var shown = kitchens.filter(function (k) {
      return FILTERS.every(function (f) { return !chosen[f] || field(k, f) === chosen[f]; });
    });
    var dev = 0, on = 0, cams = 0, camsOn = 0, open = 0, withAlerts = 0;
    shown.forEach(function (k) {
      dev += k.devices; on += k.devices_online; cams += k.cameras; camsOn += k.cameras_online;
      var n = alertCount(k); open += n; if (n) withAlerts++;
    });
    document.getElementById("sum-kitchens").textContent = shown.length;
    document.getElementById("sum-online").textContent = dev ? Math.round(100 * on / dev) + "%" : "–";
    document.getElementById("sum-cameras").textContent = camsOn + " / " + cams;
    document.getElementById("sum-alerts").textContent = open;
    document.getElementById("sum-with-alerts").textContent = withAlerts;
    var rect = 0, late = 0, dist = { excellent: 0, good: 0, fair: 0, pending: 0 };
    shown.forEach(function (k) {
      rect += k.rectifying || 0; late += k.overdue || 0;
      dist[BKGrade.key(grades[k.id]) || "pending"]++;
    });
    document.getElementById("sum-rectifying").textContent = rect;
    var over = document.getElementById("sum-overdue");
    over.textContent = late;
    over.className = "value" + (late ? " bad" : "");
    document.getElementById("sum-grades").innerHTML = ["excellent", "good", "fair"].map(function (g) {
      return '<span data-grade-count="' + g + '">' + BKGrade.face(g) + " " + dist[g] + "</span>";
    }).join("") + '<span data-grade-count="pending" class="muted">' + BK.esc(BK.t("grading.pending")) + " " + dist.pending + "</span>";
    var ul = document.getElementById("tiles");
    if (!shown.length) { ul.innerHTML = '<li class="muted">' + BK.esc(BK.t("centre.none")) + "</li>"; return; }
    ul.innerHTML = shown.map(function (k) {
      var n = alertCount(k);
      var sev = Object.keys(k.alerts).sort().map(function (s) {
        return '<span class="pill sev-' + BK.esc(s) + '">' + BK.esc(BK.t("severity." + s)) + " " + k.alerts[s] + "</span>";
      }).join(" ");
      var up = k.devices && k.devices_online === k.devices;
      var tiers = Object.keys(k.tiers || {}).sort().map(function (tier) {
        return '<span class="pill tier-' + BK.esc(tier) + '" title="' + BK.esc(BK.t("tier." + tier)) + '">' +
          BK.esc(BK.t("grading.tier_open").replace("{tier}", tier).replace("{n}", k.tiers[tier])) + "</span>";
      }).join("") + (k.overdue ? '<span class="pill overdue">' + BK.esc(BK.t("grading.overdue")) + " " + k.overdue + "</span>" : "");
      return '<li class="tile' + (n ? " has-alerts" : "") + '" data-site="' + BK.esc(k.id) + '">' +
        '<a href="/console/kitchens/' + encodeURIComponent(k.id) + '"><strong>' + BK.esc(k.name || k.id) + "</strong></a>" +
        '<span class="muted">' + BK.esc(BK.t("category." + k.category)) + " · " + BK.esc(k.grid_id || "") + "</span>" +
        '<span class="' + (up ? "ok" : "bad") + '">' + BK.esc(BK.t("tile.devices")) + " " + k.devices_online + "/" + k.devices +
        " · " + BK.esc(BK.t("tile.cameras")) + " " + k.cameras_online + "/" + k.cameras + "</span>" +
        "<span>" + (n ? sev : '<span class="muted">' + BK.esc(BK.t("tile.no_alerts")) + "</span>") + "</span>" +
        '<span class="tier-pills">' + (tiers || '<span class="muted">' + BK.esc(BK.t("grading.no_open")) + "</span>") + "</span>" +
        '<span class="tile-grade">' + BKGrade.face(grades[k.id]) + "</span></li>";
    }).join("");
  }

  function loadOverview() {
    return BK.api("/console/api/overview").then(function (o) {
      kitchens = o.kitchens;
      kitchens.forEach(function (k) { names[k.id] = k.name || k.id; });
      FILTERS.forEach(function (f) {
        var vals = kitchens.map(function (k) { return field(k, f); }).filter(Boolean);
        vals = vals.filter(function (v, i) { return vals.indexOf(v) === i; }).sort();
        fillSelect(f, vals, f === "category" ? function (v) { return BK.t("category." + v); } : String);
      });
      var notes = [];
      if (!o.store_available) notes.push(BK.t("error.store"));
      if (!o.alerts_available) notes.push(BK.t("error.alerts"));
      document.getElementById("updated").textContent = notes.join(" ") || (BK.t("centre.updated") + " " + BK.time(o.generated_at));
      render();
    });
  }

  function loadFeed() {
    return BK.api("/console/api/feed?limit=30").then(function (alerts) {
      var ol = document.getElementById("feed");
      if (!alerts.length) { ol.innerHTML = '<li class="muted">' + BK.esc(BK.t("centre.feed_empty")) + "</li>"; return; }
      ol.innerHTML = alerts.map(function (a) {
        return '<li class="alert sev-' + BK.esc(a.severity) + '" data-alert="' + BK.esc(a.id) + '">' +
          '<span class="when">' + BK.esc(BK.time(a.fired_at || a.started_at)) + "</span> " +
          '<a href="/console/kitchens/' + encodeURIComponent(a.site) + '">' + BK.esc(names[a.site] || a.site) + "</a> " +
          '<span class="pill sev-' + BK.esc(a.severity) + '">' + BK.esc(BK.t("severity." + a.severity)) + "</span> " +
          '<span class="pill">' + BK.esc(BK.t("alert.state." + a.state)) + "</span>" +
          '<div class="summary-text"><a class="alert-link" href="/console/kitchens/' + encodeURIComponent(a.site) + "/alerts/" +
          encodeURIComponent(a.id) + '">' + BK.esc(a.summary) + "</a></div></li>";
      }).join("");
    });
  }

  /* Every kitchen's grade in one request: the scope's figures carry each kitchen's grade
     (评定中 counts as not scored), so a district of a thousand kitchens costs one call. */
  function loadGrades() {
    return BK.api("/figures").then(function (f) {
      var byKitchen = (f && f.kitchen_grades) || {};
      kitchens.forEach(function (k) {
        var g = byKitchen[k.id];
        grades[k.id] = g && g !== "评定中" ? g : null;
      });
    }, function () {
      kitchens.forEach(function (k) { grades[k.id] = null; });
    }).then(render);
  }

  /* The daily report (日报) of the caller's scope: yesterday by default, the figures shown
     here, the whole report as CSV or PDF from the same endpoint. */
  var reportForm = document.getElementById("report-form");
  var reportDate = document.getElementById("report-date");
  var reportError = document.getElementById("report-error");
  (function () {
    var d = new Date(Date.now() - 86400000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    reportDate.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  })();

  function reportPath(format) {
    return "/reports/daily?date=" + encodeURIComponent(reportDate.value) + "&format=" + format;
  }

  function loadReport() {
    reportError.textContent = "";
    return BK.api(reportPath("json")).then(function (r) {
      var tiers = Object.keys(r.alerts_by_tier || {}).sort().map(function (k) {
        return BK.t("reports.tier").replace("{tier}", k) + " " + r.alerts_by_tier[k];
      }).join(" · ") || "0";
      var captures = Object.keys(r.captures_by_class || {}).reduce(function (n, k) { return n + r.captures_by_class[k]; }, 0);
      var rows = [
        ["report.kitchens", r.kitchens],
        ["report.reporting", r.reporting == null ? "–" : r.reporting],
        ["report.not_reporting", (r.not_reporting || []).length],
        ["reports.captures_total", captures],
        ["report.alerts_by_tier", tiers],
        ["report.open_rectifications", r.open_rectifications],
        ["report.overdue_rectifications", (r.overdue_rectifications || []).length],
        ["report.devices_offline", (r.devices_offline || []).length]
      ];
      document.getElementById("report-summary").innerHTML = rows.map(function (row) {
        return "<dt>" + BK.esc(BK.t(row[0])) + "</dt><dd>" + BK.esc(row[1]) + "</dd>";
      }).join("");
      if (r.store_available === false) reportError.textContent = BK.t("reports.store_down");
    }, function () { reportError.textContent = BK.t("reports.failed"); });
  }

  reportForm.addEventListener("submit", function (ev) { ev.preventDefault(); loadReport(); });
  ["csv", "pdf"].forEach(function (format) {
    document.getElementById("report-" + format).addEventListener("click", function () {
      reportError.textContent = "";
      BK.download(reportPath(format), "daily-" + reportDate.value + "." + format).catch(function () {
        reportError.textContent = BK.t("reports.download_failed");
      });
    });
  });
  loadReport();

  form.addEventListener("change", render);
  /* The feed names kitchens from the overview, so it starts once the overview is in.
     1.5 s while visible keeps a new alert on screen within 2 s (interval + request);
     a hidden tab asks every 30 s. */
  var feedStarted = false;
  BK.poll(function () {
    return loadOverview().then(function () {
      if (!feedStarted) { feedStarted = true; BK.poll(loadFeed, 1500, 30000); BK.poll(loadGrades, 300000, 900000); }
    });
  }, 10000, 60000);
})();
