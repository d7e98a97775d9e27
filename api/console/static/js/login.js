/* Login page: POST /auth/login, keep the bearer token in sessionStorage, go on. */
"use strict";
(function () {
  var form = document.getElementById("login-form");
  var err = document.getElementById("login-error");
  var params = new URLSearchParams(location.search);
  if (params.get("expired")) err.textContent = BK.t("login.expired");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    err.textContent = "";
    fetch("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: form.username.value, password: form.password.value })
    }).then(function (r) {
      if (r.status === 429) { err.textContent = BK.t("login.locked"); return; }
      if (!r.ok) { err.textContent = BK.t("login.failed"); return; }
      return r.json().then(function (body) {
        sessionStorage.setItem(BK.TOKEN, body.access_token);
        var next = params.get("next") || "/console";
        location.href = next.charAt(0) === "/" && next.charAt(1) !== "/" ? next : "/console";
      });
    }, function () { err.textContent = BK.t("error.network"); });
  });
})();
