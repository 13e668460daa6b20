// Behaviour for the dashboard, kept out of templates so a strict CSP holds (no inline
// handlers, no eval). Everything here is progressive: pages work without JavaScript.
(function () {
  "use strict";

  function toastContainer() {
    return document.getElementById("toasts");
  }

  function showToast(message, level) {
    var box = toastContainer();
    if (!box || !message) return;
    var toast = document.createElement("div");
    toast.className = "toast toast--" + (level || "info");
    toast.setAttribute("data-autoclose", "");
    var text = document.createElement("span");
    text.textContent = message; // never innerHTML: messages may quote upstream text
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    toast.appendChild(text);
    toast.appendChild(close);
    box.appendChild(toast);
    scheduleClose(toast);
  }

  function scheduleClose(toast) {
    if (toast.dataset.scheduled) return;
    toast.dataset.scheduled = "1";
    var level = toast.className.indexOf("toast--error") >= 0 ? 10000 : 6000;
    window.setTimeout(function () {
      toast.remove();
    }, level);
  }

  function armToasts(root) {
    (root || document).querySelectorAll("[data-autoclose]").forEach(scheduleClose);
  }

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var toast = dismiss.closest(".toast");
      if (toast) toast.remove();
    }
  });

  // Server-sent toasts: HX-Trigger {"toast": {"message": ..., "level": ...}}.
  document.body.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // Network or server failures of HTMX requests: say so instead of failing silently.
  document.body.addEventListener("htmx:sendError", function () {
    showToast("Couldn't reach the dashboard. Check your connection and try again.", "error");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server already explained
    showToast("Something went wrong. Try again in a moment.", "error");
  });

  // Keep focus sensible after a row is swapped: move it to the swapped element.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    armToasts(event.detail.target);
    var focusTarget = event.detail.target.querySelector("[data-focus-after-swap]");
    if (focusTarget) focusTarget.focus();
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    armToasts(event.detail.target);
  });

  // Auto-submitting filters (selects and dates) without inline handlers.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form && !window.htmx) field.form.requestSubmit();
  });

  // The workspace switcher navigates on change.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-navigate]");
    if (select && select.value) window.location.assign(select.value);
  });

  document.addEventListener("DOMContentLoaded", function () {
    armToasts(document);
    document.querySelectorAll("[data-js-hidden]").forEach(function (el) {
      el.hidden = true;
    });
  });
})();
