// 自助终端 (the service hall's kiosk): loaded only on kiosk pages (body.kiosk).
// - an on-screen keypad under the box marked data-keypad that was last touched (digits, plus the
//   key the box needs: X for ID numbers, WS or JB for a number's prefix): a kiosk has no keyboard;
// - 刷身份证 beside every box marked data-card: reads the card from the reader bridge on this PC
//   (body's data-reader), sends its text fields (never the photo) to /m/card, which checks the
//   number and the validity period, and fills the box (and the name box data-card names);
// - after data-idle seconds without a touch (a warning 15 seconds before), every box is emptied,
//   the page blanked and the start page loaded, so that nothing is left for the next person.
(function () {
  "use strict";
  var body = document.body;
  if (!body.classList.contains("kiosk")) return;
  var en = document.documentElement.lang === "en";
  function t(zh, e) { return en ? e : zh; }
  // NodeList.forEach is missing from older kiosk browsers: one failure must not stop the reset.
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  // ---- idle reset ----
  var idleMs = (Number(body.getAttribute("data-idle")) || 60) * 1000;
  var warnMs = 15000;
  var last = Date.now();
  var warning = document.createElement("div");
  warning.className = "kiosk-warning";
  warning.setAttribute("role", "status");
  warning.hidden = true;
  var warnText = document.createElement("p");
  var stay = document.createElement("button");
  stay.type = "button";
  stay.textContent = t("继续使用", "Keep going");
  warning.appendChild(warnText);
  warning.appendChild(stay);
  body.appendChild(warning);

  function touched() {
    last = Date.now();
    if (!warning.hidden) warning.hidden = true;
  }
  ["pointerdown", "keydown", "input", "touchstart", "wheel"].forEach(function (ev) {
    document.addEventListener(ev, touched, { capture: true, passive: true });
  });

  function clearAll() {
    each("input, textarea, select", function (f) {
      if (f.name === "csrf_token") return;
      if (f.type === "checkbox" || f.type === "radio") f.checked = false;
      else if (f.tagName === "SELECT") f.selectedIndex = 0;
      else f.value = "";
    });
    try { window.sessionStorage.clear(); } catch (e) { /* not available */ }
    var main = document.getElementById("main");
    if (main) main.textContent = "";
  }

  function finish(e) {
    if (e && e.preventDefault) e.preventDefault();
    clearAll();
    window.location.replace("/m/kiosk/reset");
  }

  // The timer first: whatever fails below, the screen still clears.
  setInterval(function () {
    var idle = Date.now() - last;
    if (idle >= idleMs) {
      finish();
    } else if (idle >= idleMs - warnMs) {
      var left = Math.ceil((idleMs - idle) / 1000);
      // Rewritten every 5 seconds, not every second: a screen reader announces each change.
      if (warning.hidden || left % 5 === 0) {
        warnText.textContent = t("没有操作，" + left + " 秒后将清空屏幕、回到首页。要继续请点屏幕。",
          "No one is using this screen: it clears and goes back to the start in " + left + " seconds. Touch it to keep going.");
      }
      warning.hidden = false;
    }
  }, 1000);

  // A page reached by going back (an earlier person's, perhaps) clears itself at once, whether
  // the browser kept it in memory or loaded it again.
  window.addEventListener("pageshow", function (e) { if (e.persisted) finish(); });
  var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  if ((nav && nav.type === "back_forward") || (window.performance && performance.navigation && performance.navigation.type === 2)) {
    finish();
    return;
  }
  each("a.end", function (a) { a.addEventListener("click", finish); });

  // ---- on-screen keypad ----
  function keypad(box) {
    var extra = box.getAttribute("data-keypad");
    var pad = document.createElement("div");
    pad.className = "keypad";
    pad.setAttribute("role", "group");
    pad.setAttribute("aria-label", t("数字键盘", "Keypad"));
    var keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", extra || "", "0", "⌫"];
    keys.forEach(function (k) {
      var b = document.createElement("button");
      b.type = "button";
      if (!k) { b.disabled = true; b.className = "blank"; b.setAttribute("aria-hidden", "true"); pad.appendChild(b); return; }
      b.textContent = k;
      if (k === "⌫") b.setAttribute("aria-label", t("删除一位", "Delete one"));
      b.addEventListener("click", function () {
        if (k === "⌫") box.value = box.value.slice(0, -1);
        else if (k.length > 1) box.value = k + box.value.replace(/^[A-Za-z]+/, "");
        else box.value += k;
        box.dispatchEvent(new Event("input", { bubbles: true }));
      });
      pad.appendChild(b);
    });
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "secondary wide";
    clear.textContent = t("清空这一栏", "Clear this box");
    clear.addEventListener("click", function () { box.value = ""; box.dispatchEvent(new Event("input", { bubbles: true })); });
    pad.appendChild(clear);
    // The kiosk's own keypad instead of the system's, which may cover the form — except on a box
    // that also takes letters (a query code), where the system keyboard stays; shown under the
    // box last touched (a form of several ID boxes shows one keypad at a time).
    if (!box.hasAttribute("data-letters")) box.setAttribute("inputmode", "none");
    pad.hidden = true;
    box.addEventListener("focus", function () {
      each(".keypad", function (p) { p.hidden = p !== pad; });
    });
    var after = box.nextElementSibling && box.nextElementSibling.classList.contains("field-error") ? box.nextElementSibling : box;
    after.insertAdjacentElement("afterend", pad);
  }
  each("input[data-keypad]", keypad);

  // ---- 刷身份证 ----
  var reader = body.getAttribute("data-reader");
  var token = body.getAttribute("data-token");
  // Only the text fields GA/T 490 defines that jiuzhu checks; the photo stays on the kiosk.
  var FIELDS = ["name", "sex", "birth", "id_number", "valid_from", "valid_to"];

  // Older browsers have no AbortController: then the request simply has no time limit.
  function withTimeout(ms) {
    if (typeof AbortController === "undefined") return undefined;
    var c = new AbortController();
    setTimeout(function () { c.abort(); }, ms);
    return c.signal;
  }

  function cardButton(box) {
    var nameBox = box.getAttribute("data-card") ? document.getElementById(box.getAttribute("data-card")) : null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "card";
    button.textContent = t("刷身份证", "Read my ID card");
    var status = document.createElement("p");
    status.className = "card-status";
    status.setAttribute("role", "status");
    function say(text, bad) {
      status.textContent = text;
      status.classList.toggle("bad", !!bad);
    }
    var noReader = t("没有读到身份证：读卡器没有连接或上面没有放证。请把身份证平放在读卡区再点一次，或者用下面的数字键输入身份证号。",
      "No card was read: the reader is not connected or has no card on it. Lay the card flat on the reader and press again, or type the number on the keypad below.");
    button.addEventListener("click", function () {
      if (!reader) { say(t("这台终端没有接读卡器，请用下面的数字键输入身份证号。", "This kiosk has no card reader: type the number on the keypad below."), true); return; }
      button.disabled = true;
      say(t("正在读卡，请不要移动身份证……", "Reading the card: keep it still …"));
      fetch(reader, { cache: "no-store", signal: withTimeout(8000) })
        .then(function (r) { if (!r.ok) throw new Error("reader " + r.status); return r.json(); })
        .then(function (card) {
          if (!card || typeof card !== "object") return null;
          var fields = {};
          FIELDS.forEach(function (f) { if (card[f] != null) fields[f] = String(card[f]); });
          return fetch("/m/card", {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
            body: JSON.stringify(fields),
            signal: withTimeout(8000),
          }).then(function (r) {
            return r.json().catch(function () { return {}; }).then(function (answer) { return { ok: r.ok, answer: answer }; });
          }, function () { return { ok: false, answer: {} }; });
        }, function () { return null; })
        .then(function (res) {
          button.disabled = false;
          if (res === null) { say(noReader, true); return; }
          var a = res.answer || {};
          if (!res.ok) {
            var why = (a.errors && a.errors[0]) ? (en ? a.errors[0].message_en : a.errors[0].message) : (en ? a.message_en : a.message);
            say(why || t("身份证暂时无法使用，请用下面的数字键输入身份证号。", "The card cannot be used just now: type the number on the keypad below."), true);
            return;
          }
          box.value = a.id_number;
          box.dispatchEvent(new Event("input", { bubbles: true }));
          if (nameBox && !nameBox.value) nameBox.value = a.name;
          say(t("已读取 " + a.masked_name + " 的身份证。", "Read the ID card of " + a.masked_name + "."));
        })
        .catch(function () {
          button.disabled = false;
          say(noReader, true);
        });
    });
    box.insertAdjacentElement("beforebegin", button);
    box.insertAdjacentElement("beforebegin", status);
  }
  if (typeof window.fetch === "function") each("input[data-card]", cardButton);
})();
