/* Public page (no sign-in): name, category, licence validity, grade, QR code. */
"use strict";
(function () {
  var root = document.getElementById("public");
  var id = root.getAttribute("data-public-id");
  BK.api("/public/kitchens/" + encodeURIComponent(id), { anonymous: true }).then(function (k) {
    document.getElementById("pub-name").textContent = k.name;
    document.title = k.name + " · " + BK.t("public.title");
    document.getElementById("pub-category").textContent = BK.t("category." + k.category);
    var lic = document.getElementById("pub-licence");
    lic.textContent = (k.licence_valid ? BK.t("public.licence_valid") : BK.t("public.licence_invalid")) +
      (k.licence_expiry ? " (" + BK.t("public.expiry") + " " + k.licence_expiry + ")" : "");
    lic.className = k.licence_valid ? "ok" : "bad";
    document.getElementById("pub-grade").textContent = k.grade || BK.t("public.grade_pending");
    var qr = document.getElementById("pub-qr");
    qr.src = k.qr_png_url;  /* the SVG answer lacks xmlns, so an <img> cannot show it */
    qr.hidden = false;
  }, function () {
    root.innerHTML = '<p class="error">' + BK.esc(BK.t("public.not_found")) + "</p>";
  });
})();
