/* Shared by every console page: messages, the API client, adaptive polling. */
"use strict";
var BK = (function () {
  var messages = JSON.parse(document.getElementById("messages").textContent);
  var TOKEN = "bk_token";

  function t(key) { return Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key; }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function banner(text) {
    var el = document.getElementById("banner");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function token() { return sessionStorage.getItem(TOKEN); }

  function toLogin(expired) {
    sessionStorage.removeItem(TOKEN);
    var next = encodeURIComponent(location.pathname + location.search);
    location.href = "/console/login?next=" + next + (expired ? "&expired=1" : "");
  }

  /* GET a JSON endpoint with the bearer token; 401 sends the person to sign in again. */
  function api(path, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json" };
    if (!opts.anonymous) {
      if (!token()) { toLogin(false); return Promise.reject(new Error("no token")); }
      headers["Authorization"] = "Bearer " + token();
    }
    return fetch(path, { headers: headers, method: opts.method || "GET" }).then(function (r) {
      if (r.status === 401 && !opts.anonymous) { toLogin(true); throw new Error("expired"); }
      if (!r.ok) { var e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
      return r.status === 204 ? null : r.json();
    });
  }

  /* Download a file the API serves to signed-in people (a link cannot carry the bearer
     token): fetch it, then save it under the name the server gives or `fallback`. */
  function download(path, fallback) {
    if (!token()) { toLogin(false); return Promise.reject(new Error("no token")); }
    return fetch(path, { headers: { "Authorization": "Bearer " + token() } }).then(function (r) {
      if (r.status === 401) { toLogin(true); throw new Error("expired"); }
      if (!r.ok) { var e = new Error("HTTP " + r.status); e.status = r.status; throw e; }
      var m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(r.headers.get("Content-Disposition") || "");
      var name = m ? decodeURIComponent(m[1]) : fallback;
      return r.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        return name;
      });
    });
  }

  /* Poll `fn` every `fastMs` while the tab is visible, every `slowMs` while hidden;
     a visible tab polls at once when it comes back. fn returns a promise. */
  function poll(fn, fastMs, slowMs) {
    var timer = null;
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, document.hidden ? slowMs : fastMs);
    }
    function run() {
      Promise.resolve().then(fn).then(function () {
        banner("");
      }, function (e) {
        if (e && e.status === undefined && e.message !== "expired") banner(t("error.network"));
      }).then(schedule);
    }
    document.addEventListener("visibilitychange", function () { if (!document.hidden) run(); });
    run();
  }

  function time(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    var lang = document.documentElement.lang;
    return d.toLocaleString(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  var out = document.getElementById("logout");
  if (out) {
    out.addEventListener("click", function () {
      var done = function () { sessionStorage.removeItem(TOKEN); location.href = "/console/login"; };
      api("/auth/logout", { method: "POST" }).then(done, done);
    });
  }

  return { t: t, esc: esc, api: api, download: download, poll: poll, banner: banner, time: time, TOKEN: TOKEN };
})();
