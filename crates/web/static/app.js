// jiuzhu: small progressive enhancements; every page works without them. No script is inline
// (the Content-Security-Policy allows this file only): behaviour is named by data- attributes.
document.addEventListener("DOMContentLoaded", function () {
  // Nothing typed is lost by accident: warn before leaving a form with unsaved changes.
  document.querySelectorAll("form.form").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  });
  // A form with data-confirm asks before it is sent (a step that cannot be undone).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // data-add-line: one more blank line under a part of the declaration (a copy of the last
  // line, emptied; a supporter's situations carry their line's number).
  document.querySelectorAll("[data-add-line]").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = document.querySelector('tbody[data-lines="' + button.getAttribute("data-add-line") + '"]');
      var lines = body.querySelectorAll("tr:not(.line-error)");
      var line = lines[lines.length - 1].cloneNode(true);
      line.querySelectorAll("input, select").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; el.value = lines.length + ":" + el.value.split(":")[1]; }
        else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
        else { el.value = ""; }
      });
      body.appendChild(line);
      line.querySelector("input, select").focus();
    });
  });
  // data-print: the print button of a notice or list.
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
