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
  // data-draft: what is typed in the form is kept in this tab (sessionStorage) and put back when
  // the page is shown again (after a photo upload, a refused step, a reload). The key carries the
  // case's version, so a draft never comes back once the step has been taken.
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = "draft:" + form.getAttribute("data-draft");
    var saved = null;
    try { saved = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved) {
      Object.keys(saved).forEach(function (name) {
        form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") { el.checked = saved[name].indexOf(el.value) >= 0; }
          else { el.value = saved[name][0]; }
        });
      });
    }
    var save = function () {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit" || el.tagName === "BUTTON") { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          data[el.name] = data[el.name] || [];
          if (el.checked) { data[el.name].push(el.value); }
          return;
        }
        data[el.name] = [el.value];
      });
      try { window.sessionStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or off: the form still works */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
  // data-photo: a photo is shrunk in the browser (longest side 1600 px, JPEG; this also drops the
  // camera's location data) and sent without leaving the page; a file that is not a picture goes
  // as it is and the server says what is wrong. Without this script the form posts the file.
  var shrink = function (file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return window.createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (done) { canvas.toBlob(function (b) { done(b || file); }, "image/jpeg", 0.85); });
    }, function () { return file; });
  };
  document.querySelectorAll("form[data-photo]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      if (!file || !window.fetch || !window.FormData) { return; }
      e.preventDefault();
      var status = form.querySelector("[data-photo-status]");
      var button = form.querySelector("button");
      button.disabled = true;
      status.className = "field-info";
      status.textContent = form.getAttribute("data-shrinking");
      shrink(file).then(function (photo) {
        var body = new FormData(form);
        body.set("photo", photo, "photo.jpg");
        return window.fetch(form.action, { method: "POST", body: body, credentials: "same-origin" });
      }).then(function (r) {
        if (r.ok) { window.location.href = r.url; return null; }
        return r.text().then(function (html) {
          var box = new DOMParser().parseFromString(html, "text/html").querySelector(".error-box");
          status.className = "field-error";
          status.textContent = box ? box.textContent.trim() : form.getAttribute("data-failed");
          button.disabled = false;
        });
      }).catch(function () {
        status.className = "field-error";
        status.textContent = form.getAttribute("data-failed");
        button.disabled = false;
      });
    });
  });
  // data-print: the print button of a notice or list.
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function (e) { e.preventDefault(); window.print(); });
  });
});
