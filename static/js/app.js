// Behaviour for the dashboard, kept out of templates so a strict CSP holds (no inline
// handlers, no eval). Everything here is progressive: pages work without JavaScript.
(function () {
  "use strict";

  // Words the script shows, in the page's language: base.html renders them as data-text-*
  // attributes of <body> (English here only when a page lacks them).
  function text(name, english) {
    return (document.body && document.body.getAttribute("data-text-" + name)) || english;
  }

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
    close.setAttribute("aria-label", text("dismiss", "Dismiss"));
    close.textContent = "×";
    toast.appendChild(text);
    toast.appendChild(close);
    box.appendChild(toast);
    keepLatestToast();
    scheduleClose(toast);
  }

  // One toast at a time: a new one replaces the last, so they never pile up over the page.
  function keepLatestToast() {
    var box = toastContainer();
    if (!box) return;
    var toasts = box.querySelectorAll(".toast");
    for (var i = 0; i < toasts.length - 1; i++) toasts[i].remove();
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

  // The server may answer a page whose data it must read from WebWork with its frame first,
  // and only for a browser that runs this script (views/shell.py).
  document.cookie =
    "wwld_js=1; path=/; max-age=31536000; SameSite=Lax" +
    (window.location.protocol === "https:" ? "; Secure" : "");

  // A page's frame could not be filled in (offline, a failure, a page that is gone): load
  // the page in full instead, which says what is wrong in its own words.
  function refillShellByPage(event) {
    var shell = event.detail && event.detail.elt;
    if (shell && shell.hasAttribute && shell.hasAttribute("data-shell")) {
      window.location.assign(shell.getAttribute("data-full-url"));
      return true;
    }
    return false;
  }

  // Network or server failures of HTMX requests: say so instead of failing silently.
  document.body.addEventListener("htmx:sendError", function (event) {
    if (refillShellByPage(event)) return;
    showToast(
      text("offline", "Couldn't reach the dashboard. Check your connection and try again."),
      "error"
    );
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (refillShellByPage(event)) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server already explained
    showToast(text("failed", "Something went wrong. Try again in a moment."), "error");
  });

  // Keep focus sensible after a row is swapped: move it to the marked element of the new
  // content. htmx fires afterSwap on each inserted node; with outerHTML, detail.target is the
  // replaced (detached) element, so look in the node the event was fired on instead.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var node = event.target;
    var root = node && node.nodeType === 1 ? node : node && node.parentElement;
    if (!root || !root.isConnected) return;
    armToasts(root);
    var focusTarget = root.matches("[data-focus-after-swap]")
      ? root
      : root.querySelector("[data-focus-after-swap]");
    if (focusTarget) focusTarget.focus();
  });
  // The calendar's bars and agenda entries (hundreds of links on a large team) open their
  // request's detail in the dialog through this one listener rather than each being wired
  // by htmx. A click with a modifier key, or without this script, opens the detail page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-detail]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (!window.htmx || !document.getElementById("leave-dialog")) return;
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"), {
      source: link,
      target: "#leave-dialog",
      swap: "innerHTML",
    });
  });

  // A request's detail, fetched into the dialog, opens it as a modal (focus moves in, Escape
  // and "Close" shut it, focus returns to the link).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target;
    if (dialog && dialog.id === "leave-dialog" && !dialog.open) {
      dialog.showModal();
    }
  });

  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    armToasts(event.detail.target);
    keepLatestToast();
  });

  // Filter forms marked data-compact-query leave empty fields out of the request, so the
  // pushed URL reads ?status=pending rather than ?q=&status=pending&member=&...
  document.body.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (!detail.useUrlParams || !detail.elt.closest("[data-compact-query]")) return;
    var data = detail.formData;
    var empty = [];
    data.forEach(function (value, key) {
      if (value === "" && empty.indexOf(key) < 0 && data.getAll(key).every(isEmpty)) {
        empty.push(key);
      }
    });
    empty.forEach(function (key) {
      data.delete(key);
    });
  });

  function isEmpty(value) {
    return value === "";
  }

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

  // Copy buttons: data-copy names the input whose value goes to the clipboard. Without the
  // clipboard API (or permission) the text is selected, for the person to copy themselves.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    function selectIt() {
      input.focus();
      input.select();
      showToast(text("copy-by-hand", "Selected: press Ctrl+C (or ⌘C) to copy."), "info");
    }
    if (!navigator.clipboard || !window.isSecureContext) {
      selectIt();
      return;
    }
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = text("copied", "Copied");
      showToast(text("link-copied", "Link copied."), "success");
    }, selectIt);
  });

  // Bulk decisions: "select all on this page" ticks every row's box (keyboard: Space on the
  // box, as on any checkbox); the count says how many are selected.
  function bulkCount() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    var all = document.querySelector("[data-bulk-scope]");
    var picked = document.querySelectorAll("[data-bulk-pick]:checked").length;
    label.textContent =
      all && all.checked
        ? label.getAttribute("data-text-all")
        : label.getAttribute("data-text-some").replace("{n}", String(picked));
    // The buttons take room (a phone's whole screen): shown once there is something to decide.
    document.querySelectorAll("[data-bulk-actions]").forEach(function (actions) {
      actions.hidden = !(picked || (all && all.checked));
    });
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-bulk-all]")) {
      document.querySelectorAll("[data-bulk-pick]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches("[data-bulk-all], [data-bulk-pick], [data-bulk-scope]")) bulkCount();
  });

  // A held decision's "sending in N s" counts down (the row reloads itself when it ends).
  window.setInterval(function () {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.max(parseInt(el.getAttribute("data-countdown"), 10) - 1, 0);
      el.setAttribute("data-countdown", String(left));
      el.textContent = left ? "sending in " + left + " s" : "sending…";
    });
  }, 1000);

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });

  // What only makes sense with this script (or only without it), in the page and in what
  // htmx puts into it later (a page's content arriving after its frame, views/shell.py).
  function enhance(root) {
    root.querySelectorAll("[data-js-hidden]").forEach(function (el) {
      el.hidden = true;
    });
    root.querySelectorAll("[data-js-only]").forEach(function (el) {
      el.hidden = false;
    });
  }
  document.body.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) enhance(event.target);
  });

  document.addEventListener("DOMContentLoaded", function () {
    armToasts(document);
    keepLatestToast();
    enhance(document);
    var reveal = document.querySelector("[data-focus-on-load]");
    if (reveal) reveal.focus();
  });
})();
