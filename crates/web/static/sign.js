// 签名板: each adult writes their name with a finger or the mouse; the drawing goes into the
// form as a PNG. Without this script the page still works: the household signs at the window.
(function () {
  "use strict";
  document.querySelectorAll(".pad").forEach(function (pad) {
    var canvas = pad.querySelector("canvas");
    var field = document.getElementById(pad.getAttribute("data-for"));
    var ctx = canvas.getContext("2d");
    var drawing = false;
    function blank() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
    }
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    blank();
    if (field.value) {
      // A signature made before going back keeps showing.
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0); };
      img.src = field.value;
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true;
      canvas.setPointerCapture(e.pointerId);
      var p = at(e);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = at(e);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      e.preventDefault();
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    pad.querySelector(".clear").addEventListener("click", function () {
      blank();
      field.value = "";
    });
  });
  // One press sends once.
  var form = document.getElementById("apply");
  if (form) {
    form.addEventListener("submit", function (e) {
      var b = e.submitter;
      if (b && b.value === "send") {
        if (form.dataset.sent) { e.preventDefault(); return; }
        form.dataset.sent = "1";
      }
    });
  }
})();
