// data-photo: a photo is shrunk in the browser (longest side 1600 px, JPEG; this also drops the
// camera's location data) and sent without leaving the page, with the share sent so far on a slow
// connection; a file that is not a picture goes as it is and the server says what is wrong.
// Without this script the form posts the file. The answer either moves the page on (a redirect:
// the staff survey page) or is the page again (the residents' photos page): its main part then
// replaces this one's. Used by the survey page and the residents' document photos.
(function () {
  "use strict";
  // The picture decoded: createImageBitmap where there is one, else an <img> (older WebViews).
  var decode = function (file) {
    if (window.createImageBitmap) { return window.createImageBitmap(file); }
    return new Promise(function (done, fail) {
      if (!window.URL || !URL.createObjectURL) { fail(); return; }
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); done(img); };
      img.onerror = function () { URL.revokeObjectURL(url); fail(); };
      img.src = url;
    });
  };
  var shrink = function (file) {
    return decode(file).then(function (img) {
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (done) { canvas.toBlob(function (b) { done(b || file); }, "image/jpeg", 0.85); });
    }, function () { return file; });
  };
  var bind = function (root) {
    root.querySelectorAll("form[data-photo]").forEach(function (form) {
      // Where the file box is hidden behind its label, say which file was chosen.
      var named = form.querySelector("[data-photo-name]");
      var box = form.querySelector("input[type=file]");
      if (named && box) {
        box.addEventListener("change", function () {
          named.textContent = box.files && box.files[0] ? named.getAttribute("data-chosen") + box.files[0].name : "";
        });
      }
      form.addEventListener("submit", function (e) {
        var input = form.querySelector("input[type=file]");
        var file = input && input.files && input.files[0];
        if (!file || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
        e.preventDefault();
        var status = form.querySelector("[data-photo-status]");
        var bar = form.querySelector("progress");
        var button = form.querySelector("button[type=submit], button:not([type])");
        var failed = function (text) {
          status.className = "field-error";
          status.textContent = text || form.getAttribute("data-failed");
          if (bar) { bar.hidden = true; }
          button.disabled = false;
        };
        button.disabled = true;
        status.className = "field-info";
        status.textContent = form.getAttribute("data-shrinking");
        shrink(file).then(function (photo) {
          var body = new FormData(form);
          body.set("photo", photo, "photo.jpg");
          var xhr = new XMLHttpRequest();
          xhr.open("POST", form.action);
          if (bar && xhr.upload) {
            bar.hidden = false;
            bar.value = 0;
            xhr.upload.onprogress = function (p) { if (p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); } };
          }
          xhr.onerror = function () { failed(); };
          xhr.onload = function () {
            var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
            var landed = xhr.responseURL && xhr.responseURL.split("?")[0] !== form.action.split("?")[0];
            if (xhr.status >= 200 && xhr.status < 300 && landed) { window.location.href = xhr.responseURL; return; }
            var main = page.querySelector("main");
            var here = document.querySelector("main");
            if (form.hasAttribute("data-swap") && main && here && xhr.status !== 413 && xhr.status < 500) {
              here.innerHTML = main.innerHTML;
              bind(here);
              // Say what happened: the refusal, or that it was uploaded.
              var focus = here.querySelector("[role=alert], [role=status]");
              if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
              return;
            }
            var box = page.querySelector(".error-box, .errors");
            failed(box ? box.textContent.trim() : null);
          };
          xhr.send(body);
        }).catch(function () { failed(); });
      });
    });
  };
  bind(document);
})();
