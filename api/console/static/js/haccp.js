/* The kitchen page's HACCP export: one month of the kitchen's HACCP record (each
   out-of-limit event, its corrective action, rectification steps and reviewer) as CSV,
   in the page's language, from GET /kitchens/{site}/haccp. */
"use strict";
(function () {
  var box = document.getElementById("haccp");
  if (!box) return;
  var site = box.getAttribute("data-site");
  var month = document.getElementById("haccp-month");
  var error = document.getElementById("haccp-error");
  var now = new Date();
  month.value = now.getFullYear() + "-" + (now.getMonth() < 9 ? "0" : "") + (now.getMonth() + 1);
  document.getElementById("haccp-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    error.textContent = "";
    var lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
    var path = "/kitchens/" + encodeURIComponent(site) + "/haccp?month=" +
      encodeURIComponent(month.value) + "&lang=" + lang;
    BK.download(path, "haccp-" + site + "-" + month.value + ".csv").catch(function () {
      error.textContent = BK.t("reports.download_failed");
    });
  });
})();
