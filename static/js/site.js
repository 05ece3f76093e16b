/*
 * Small progressive enhancements. Everything works without this file:
 * - copy buttons (BibTeX, summary links) are hidden until this script shows them;
 * - dismissible messages also close without JavaScript (a CSS checkbox); here they are removed from the page;
 * - the header menus (<details>: browsing links on a phone, the member menu) also close on Escape and on a
 *   click elsewhere.
 */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Fallback for plain-http development servers.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (error) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function setUpCopyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll(".copy-button"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = button.getAttribute("data-copy-target");
        var element = target ? document.getElementById(target) : null;
        // A read-only field (share links) copies its value; other targets (BibTeX) their text.
        var text = element ? (element.tagName === "INPUT" ? element.value : element.textContent) : button.getAttribute("data-copy-text");
        var status = button.parentNode.querySelector(".copy-status");
        copyText(text || "").then(
          function () {
            if (status) {
              status.textContent = "Copied.";
            }
          },
          function () {
            if (status) {
              status.textContent = "Could not copy; select the text and copy it.";
            }
            if (element && element.tagName === "INPUT") {
              element.select();
            }
          }
        );
      });
    });
  }

  function setUpMessages() {
    Array.prototype.forEach.call(document.querySelectorAll(".dismiss-toggle"), function (toggle) {
      toggle.addEventListener("change", function () {
        var message = toggle.nextElementSibling;
        if (message) {
          message.remove();
        }
        toggle.remove();
        var main = document.getElementById("main");
        if (main) {
          main.focus({ preventScroll: true });
        }
      });
    });
  }

  function setUpMenus() {
    var menus = document.querySelectorAll("details.menu");
    document.addEventListener("click", function (event) {
      Array.prototype.forEach.call(menus, function (menu) {
        if (menu.open && !menu.contains(event.target)) {
          menu.open = false;
        }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      Array.prototype.forEach.call(menus, function (menu) {
        if (menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });
  }

  function start() {
    setUpCopyButtons();
    setUpMessages();
    setUpMenus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
