// jiuzhu: small progressive enhancements; every page works without them.
// Nothing typed is lost by accident: warn before leaving a form with unsaved changes.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.form").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  });
});
