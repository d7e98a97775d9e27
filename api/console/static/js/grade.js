/* Grade faces (优秀/良好/一般 as 大笑/微笑/平脸) from the figures endpoints, shared by the
   command centre's tiles and the kitchen page; on the kitchen page it also fills the grade
   card with the 食安指数 and its components. A kitchen not scored yet reads 评定中. */
"use strict";
var BKGrade = (function () {
  var KEYS = { "优秀": "excellent", "良好": "good", "一般": "fair", excellent: "excellent", good: "good", fair: "fair" };
  var MOUTH = {
    excellent: '<path d="M6.5 13.5 Q12 21.5 17.5 13.5 Z" fill="currentColor"/>',
    good: '<path d="M7.5 14.5 Q12 18.5 16.5 14.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>',
    fair: '<path d="M8 15.5 H16" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>'
  };

  function key(grade) { return Object.prototype.hasOwnProperty.call(KEYS, grade) ? KEYS[grade] : null; }

  /* The grade of a figures answer: its 食安指数's grade, or null (not scored). */
  function of(fig) {
    if (!fig) return null;
    if (fig.safety_index && fig.safety_index.grade) return fig.safety_index.grade;
    return fig.grade || null;
  }

  /* The face as inline SVG with its words; the words are what a screen reader says. */
  function face(grade) {
    var k = key(grade);
    if (!k) return '<span class="grade-face grade-pending" data-grade="pending">' + BK.esc(BK.t("grading.pending")) + "</span>";
    var label = BK.t("grading.face_label").replace("{grade}", BK.t("grading." + k)).replace("{face}", BK.t("grading.face." + k));
    return '<span class="grade-face grade-' + k + '" data-grade="' + k + '" role="img" aria-label="' + BK.esc(label) + '">' +
      '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
      '<circle cx="12" cy="12" r="10.5" fill="none" stroke="currentColor" stroke-width="1.8"/>' +
      '<circle cx="8.5" cy="9.5" r="1.4" fill="currentColor"/><circle cx="15.5" cy="9.5" r="1.4" fill="currentColor"/>' +
      MOUTH[k] + '</svg><span aria-hidden="true">' + BK.esc(BK.t("grading." + k)) + "</span></span>";
  }

  function pct(x) { return x == null ? "–" : Math.round(x * 100) + "%"; }

  /* Kitchen page: the grade card (absent on other pages). */
  var card = document.getElementById("grade-card");
  var kitchen = document.getElementById("kitchen");
  if (card && kitchen) {
    var site = kitchen.getAttribute("data-site");
    var load = function () {
      return BK.api("/kitchens/" + encodeURIComponent(site) + "/figures").then(function (f) {
        var si = f.safety_index;
        document.getElementById("grade").innerHTML = face(of(f)) +
          (si ? ' <span class="muted">' + BK.esc(BK.t("grading.index")) + " " + BK.esc(si.index) + "</span>" : "") +
          (f.annual_grade ? ' <span class="muted">' + BK.esc(BK.t("grading.annual")) + " " + BK.esc(f.annual_grade) + "</span>" : "");
        var comps = si && si.components ? si.components : {};
        document.getElementById("grade-components").innerHTML = Object.keys(comps).map(function (c) {
          return '<li data-component="' + BK.esc(c) + '"><span>' + BK.esc(BK.t("grading.component." + c)) + "</span><strong>" + pct(comps[c]) + "</strong></li>";
        }).join("");
      }, function (e) { if (e.status === 404) card.hidden = true; });
    };
    BK.poll(load, 300000, 900000);
  }

  return { key: key, of: of, face: face };
})();
