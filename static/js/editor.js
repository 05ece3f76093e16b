/*
 * The summary editor around django-markdownx (which does the live preview and drop/paste uploads):
 *  - keeps a draft in localStorage on every change and offers to restore it if the page is opened
 *    with different text (a lost connection or a crashed tab never loses the writer's work);
 *  - an "Add an image" button uploading through the same guarded endpoint as drop/paste; after any upload
 *    the image's alt text (the file name made readable) is selected, ready to be typed over;
 *  - clear messages when an upload is refused (markdownx would insert "Invalid response");
 *  - a keyboard that never traps (WCAG 2.1.2): Tab and Shift+Tab move between fields, except inside a list
 *    item where they indent and outdent it; Ctrl+] and Ctrl+[ indent and outdent any line; Esc then Tab leaves
 *    the editor from anywhere. markdownx's own Tab handler (which always inserts a tab) never sees these keys.
 * Math in the preview is typeset by math.js, which listens for markdownx's update event.
 */
(function () {
  "use strict";

  var MARKDOWNX_ERROR_TEXT = "Invalid response";

  function init() {
    var form = document.querySelector("form[data-editor-form]");
    if (!form) {
      return;
    }
    var textarea = form.querySelector("textarea.markdownx-editor");
    var status = form.querySelector("[data-upload-status]");
    var key = form.getAttribute("data-draft-key");
    var notice = document.querySelector("[data-draft-notice]");

    // --- Draft --------------------------------------------------------------------------------
    var storage = null;
    try {
      storage = window.localStorage;
      storage.getItem(key);
    } catch (error) {
      storage = null;
    }

    function readDraft() {
      if (!storage) {
        return null;
      }
      try {
        return JSON.parse(storage.getItem(key) || "null");
      } catch (error) {
        return null;
      }
    }

    var saveTimer = null;
    function saveDraft() {
      if (!storage) {
        return;
      }
      clearTimeout(saveTimer);
      saveTimer = setTimeout(function () {
        try {
          storage.setItem(
            key,
            JSON.stringify({ body: textarea.value, savedAt: new Date().toISOString(), revision: revision() })
          );
        } catch (error) {
          /* storage full or disabled: nothing to do */
        }
      }, 400);
    }

    function revision() {
      var field = form.querySelector("input[name=revision_number]");
      return field ? field.value : "";
    }

    function refreshPreview() {
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    var draft = readDraft();
    if (draft && typeof draft.body === "string") {
      var savedSince = draft.submitted && draft.revision !== revision();
      if (draft.body === textarea.value || !draft.body.trim() || savedSince) {
        // Nothing lost: the page shows this text already, or it was submitted and the summary moved on.
        storage.removeItem(key);
      } else if (notice) {
        var time = notice.querySelector("[data-draft-time]");
        if (time) {
          time.textContent = new Date(draft.savedAt).toLocaleString();
        }
        notice.hidden = false;
        notice.querySelector("[data-draft-restore]").addEventListener("click", function () {
          textarea.value = draft.body;
          notice.hidden = true;
          refreshPreview();
          textarea.focus();
        });
        notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
          storage.removeItem(key);
          notice.hidden = true;
        });
      }
    }
    textarea.addEventListener("input", saveDraft);
    form.addEventListener("submit", function () {
      clearTimeout(saveTimer);
      if (storage) {
        try {
          storage.setItem(
            key,
            JSON.stringify({
              body: textarea.value,
              savedAt: new Date().toISOString(),
              revision: revision(),
              submitted: true,
            })
          );
        } catch (error) {
          /* ignore */
        }
      }
    });

    // --- Keyboard ---------------------------------------------------------------------------------
    // Four spaces: Python-Markdown nests a list item indented by four.
    var INDENT = "    ";
    var LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])(?:\s|$)/;
    var escaped = false;

    function lineStart(position) {
      return textarea.value.lastIndexOf("\n", position - 1) + 1;
    }

    function inListItem() {
      var start = lineStart(textarea.selectionStart);
      var end = textarea.value.indexOf("\n", start);
      return LIST_ITEM.test(textarea.value.slice(start, end === -1 ? undefined : end));
    }

    // Indent (or outdent) every line the selection touches, keeping the selection on the same text.
    function shiftLines(outdent) {
      var value = textarea.value;
      var selStart = textarea.selectionStart;
      var selEnd = textarea.selectionEnd;
      var blockStart = lineStart(selStart);
      var lastLineEnd = selEnd > selStart && value.charAt(selEnd - 1) === "\n" ? selEnd - 1 : selEnd;
      var blockEnd = value.indexOf("\n", lastLineEnd);
      if (blockEnd === -1) {
        blockEnd = value.length;
      }
      var lines = value.slice(blockStart, blockEnd).split("\n");
      var firstDelta = 0;
      var totalDelta = 0;
      var shifted = lines.map(function (line, index) {
        var delta;
        if (outdent) {
          var removable = (line.match(/^ {1,4}|^\t/) || [""])[0];
          delta = -removable.length;
          line = line.slice(removable.length);
        } else {
          delta = INDENT.length;
          line = INDENT + line;
        }
        if (index === 0) {
          firstDelta = delta;
        }
        totalDelta += delta;
        return line;
      });
      textarea.setRangeText(shifted.join("\n"), blockStart, blockEnd, "preserve");
      var newStart = Math.max(blockStart, selStart + firstDelta);
      var newEnd = selStart === selEnd ? newStart : Math.max(newStart, selEnd + totalDelta);
      textarea.setSelectionRange(newStart, newEnd);
      refreshPreview();
    }

    // Capture on the form runs before markdownx's listener on the textarea; stopping the event here keeps
    // markdownx from turning every Tab into a tab character.
    form.addEventListener(
      "keydown",
      function (event) {
        if (event.target !== textarea) {
          return;
        }
        var key = event.key;
        if (key === "Escape") {
          escaped = true;
          return;
        }
        var bracket = key === "]" || key === "[";
        if (bracket && (event.ctrlKey || event.metaKey) && !event.altKey) {
          event.preventDefault();
          event.stopPropagation();
          escaped = false;
          shiftLines(key === "[");
          return;
        }
        if (key !== "Tab") {
          if (key !== "Shift") {
            escaped = false;
          }
          return;
        }
        event.stopPropagation();
        if (escaped || event.ctrlKey || event.altKey || event.metaKey || !inListItem()) {
          // The browser's default: focus moves on to the next (or previous) field.
          escaped = false;
          return;
        }
        event.preventDefault();
        shiftLines(event.shiftKey);
      },
      true
    );
    textarea.addEventListener("blur", function () {
      escaped = false;
    });

    // --- Uploads ------------------------------------------------------------------------------
    function say(message, isError) {
      if (status) {
        status.textContent = message;
        status.classList.toggle("is-error", Boolean(isError));
      }
    }

    function insertAtCursor(text) {
      var start = textarea.selectionStart || 0;
      var end = textarea.selectionEnd || 0;
      var before = textarea.value.slice(0, start);
      var prefix = before && !/\n$/.test(before) ? "\n" : "";
      textarea.value = before + prefix + text + "\n" + textarea.value.slice(end);
      var caret = start + prefix.length + text.length + 1;
      textarea.setSelectionRange(caret, caret);
      refreshPreview();
      return start + prefix.length;
    }

    // The server starts the alt text as the file name made readable: select it so the writer's next
    // keystrokes replace it with a real description.
    function selectAltText(codeStart, response) {
      var alt = response && response.alt;
      if (!alt || textarea.value.slice(codeStart, codeStart + 2 + alt.length) !== "![" + alt) {
        return;
      }
      textarea.focus();
      textarea.setSelectionRange(codeStart + 2, codeStart + 2 + alt.length);
    }

    var wrapper = form.querySelector(".markdownx");
    function removeMarkdownxErrorText() {
      // markdownx inserts a fixed "Invalid response" after a refused upload; take it out again.
      setTimeout(function () {
        if (textarea.value.indexOf(MARKDOWNX_ERROR_TEXT) !== -1) {
          textarea.value = textarea.value.replace(MARKDOWNX_ERROR_TEXT, "");
          refreshPreview();
        }
      }, 0);
    }
    if (wrapper) {
      wrapper.addEventListener("markdownx.fileUploadError", function (event) {
        var response = event.detail && event.detail[0];
        say((response && response.error) || "The image could not be uploaded.", true);
        removeMarkdownxErrorText();
      });
      wrapper.addEventListener("fileUploadError", function () {
        say("The image could not be uploaded (network error). Try again.", true);
        removeMarkdownxErrorText();
      });
      wrapper.addEventListener("markdownx.fileUploadEnd", function (event) {
        say("Image uploaded. Type a description of it for readers who cannot see it.", false);
        // markdownx leaves the caret just after the code it inserted.
        var response = event.detail && event.detail[0];
        if (response && response.image_code) {
          selectAltText(textarea.selectionEnd - response.image_code.length, response);
        }
      });
    }

    var picker = form.querySelector("[data-image-upload]");
    if (picker) {
      picker.addEventListener("change", function () {
        var file = picker.files && picker.files[0];
        if (!file) {
          return;
        }
        var data = new FormData();
        data.append("image", file);
        data.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
        say("Uploading " + file.name + "…", false);
        fetch(form.getAttribute("data-upload-url"), {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
        })
          .then(function (response) {
            return response.json();
          })
          .then(function (body) {
            if (body.image_code) {
              selectAltText(insertAtCursor(body.image_code), body);
              say("Image uploaded. Type a description of it for readers who cannot see it.", false);
            } else {
              say(body.error || "The image could not be uploaded.", true);
            }
          })
          .catch(function () {
            say("The image could not be uploaded (network error). Try again.", true);
          })
          .finally(function () {
            picker.value = "";
          });
      });
    }

    var errors = document.getElementById("form-errors");
    if (errors) {
      errors.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
