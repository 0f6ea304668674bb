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
    button.addEventListener("click", function (e) {
      var body = document.querySelector('tbody[data-lines="' + button.getAttribute("data-add-line") + '"]');
      var lines = body.querySelectorAll("tr:not(.line-error)");
      var line = lines[lines.length - 1].cloneNode(true);
      line.querySelectorAll("input, select").forEach(function (el) {
        if (el.type === "checkbox") { el.checked = false; el.value = lines.length + ":" + el.value.split(":")[1]; }
        else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
        else { el.value = ""; }
      });
      body.appendChild(line);
      if (e.isTrusted) { line.querySelector("input, select").focus(); }
    });
  });
  // Drafts: what is typed in a form is kept in this tab (sessionStorage, gone when the tab
  // closes) and put back when the page is shown again — after a photo upload, a refused step, a
  // reload, or logging in again after the session ended. The key carries the record's version, so
  // a draft never comes back once the record changed; a form that was sent and did not come back
  // (it was saved) drops its draft. Passwords and files are never kept.
  var drafts = "form[data-draft], form.form, form.step, form.intake";
  var draftKey = function (form) {
    var version = form.querySelector("input[name=version]");
    return "draft:" + (form.getAttribute("data-draft") ||
      (window.location.pathname + "|" + (form.getAttribute("action") || "") + "|" + (version ? version.value : "")));
  };
  var store = window.sessionStorage;
  try {
    var sent = store.getItem("draft-sent");
    if (sent) {
      var back = false;
      document.querySelectorAll(drafts).forEach(function (f) { if (draftKey(f) === sent) { back = true; } });
      if (!back) { store.removeItem(sent); }
      store.removeItem("draft-sent");
    }
  } catch (e) { store = null; }
  document.querySelectorAll(drafts).forEach(function (form) {
    if (!store) { return; }
    var key = draftKey(form);
    var kept = function (el) {
      return el.name && ["hidden", "file", "password", "submit", "button"].indexOf(el.type) < 0 && el.tagName !== "BUTTON";
    };
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved) {
      // Lines added before the page was left come back first (a declaration's parts).
      form.querySelectorAll("tbody[data-lines]").forEach(function (body) {
        var first = body.querySelector("tr:not(.line-error) [name]");
        var want = first && saved[first.name] ? saved[first.name].length : 0;
        var add = form.querySelector('[data-add-line="' + body.getAttribute("data-lines") + '"]');
        while (add && body.querySelectorAll("tr:not(.line-error)").length < want) { add.click(); }
      });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!kept(el) || !Object.prototype.hasOwnProperty.call(saved, el.name)) { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = saved[el.name].indexOf(el.value) >= 0; }
        else {
          var i = Array.prototype.filter.call(form.elements, function (x) { return x.name === el.name; }).indexOf(el);
          if (i < saved[el.name].length) { el.value = saved[el.name][i]; }
        }
      });
    }
    var save = function () {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!kept(el)) { return; }
        data[el.name] = data[el.name] || [];
        if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { data[el.name].push(el.value); } return; }
        data[el.name].push(el.value);
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or off: the form still works */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () { try { store.setItem("draft-sent", key); } catch (e) { /* ignore */ } });
  });
  // The intake's materials: only what the ticked kinds need (all when none is ticked). A hidden
  // item is also unticked, so it is never sent as received for a kind nobody asked for.
  var kindBoxes = document.querySelectorAll("input[name=kind]");
  var materials = document.querySelectorAll("label.material[data-kinds]");
  if (kindBoxes.length && materials.length) {
    var showMaterials = function () {
      var chosen = Array.prototype.filter.call(kindBoxes, function (k) { return k.checked; }).map(function (k) { return k.value; });
      materials.forEach(function (m) {
        var needed = chosen.length === 0 || m.getAttribute("data-kinds").split(" ").some(function (k) { return chosen.indexOf(k) >= 0; });
        m.hidden = !needed;
        if (!needed) { m.querySelector("input").checked = false; }
      });
    };
    kindBoxes.forEach(function (k) { k.addEventListener("change", showMaterials); });
    showMaterials();
  }
  // data-print: the print button of a notice or list.
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
