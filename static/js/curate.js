/*
 * The curation pages, driven from the keyboard. Everything here also works without this file: each action is a
 * plain POST form (the server redirects back); this script sends the same forms with fetch() and adds keys.
 *
 * Triage page: j / k next / previous paper, a add (again: remove), s star, x skip (again: undo), n note editor
 * (adds the paper; textarea with live preview through the summaries' preview endpoint, the one renderer; saved as
 * you type while the digest is a draft), o abstract, Esc closes, ? shows the keys.
 * Entries page: j / k, Shift+J / Shift+K move the entry down / up, n or Enter opens its note.
 * Entry page: the same live preview and autosave on the full note form.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-curate-page]");
  if (!root) {
    return;
  }
  var page = root.getAttribute("data-curate-page");
  var statusBox = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, data) {
    if (!data.has("csrfmiddlewaretoken")) {
      data.set("csrfmiddlewaretoken", csrfToken());
    }
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return { error: "The server did not answer as expected (" + response.status + ")." };
        })
        .then(function (body) {
          body.ok = response.ok && !body.error;
          return body;
        });
    });
  }

  function announce(message) {
    if (!statusBox) {
      statusBox = document.createElement("p");
      statusBox.className = "visually-hidden";
      statusBox.setAttribute("role", "status");
      document.body.appendChild(statusBox);
    }
    statusBox.textContent = message;
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function openDialog(dialog) {
    if (dialog && !dialog.open) {
      dialog.showModal();
    }
  }

  // --- Keys help ------------------------------------------------------------------------------------------
  var keysDialog = document.querySelector("[data-keys-dialog]");
  Array.prototype.forEach.call(document.querySelectorAll("[data-show-keys]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      openDialog(keysDialog);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-dialog-close]"), function (button) {
    button.addEventListener("click", function () {
      button.closest("dialog").close();
    });
  });

  // --- Note editing (triage dialog and entry page): live preview and autosave ----------------------------------
  function noteEditor(form, options) {
    var textarea = form.querySelector("textarea[name=note]");
    var language = form.querySelector("select[name=language]");
    var preview = form.querySelector("[data-note-preview]");
    var status = form.querySelector("[data-note-status]");
    var previewUrl = root.getAttribute("data-preview-url");
    var autosave = root.getAttribute("data-autosave") === "true";
    var previewTimer = null;
    var saveTimer = null;
    var dirty = false;
    var saving = null;

    function setStatus(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function refreshPreview() {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(function () {
        var data = new FormData();
        data.set("content", textarea.value);
        data.set("csrfmiddlewaretoken", csrfToken());
        fetch(previewUrl, { method: "POST", body: data, credentials: "same-origin" })
          .then(function (response) {
            return response.text();
          })
          .then(function (html) {
            // Sanitised by the server's one renderer, exactly as the published note.
            preview.innerHTML = html;
            preview.setAttribute("lang", language.value);
            if (window.ShortScience && window.ShortScience.typesetMath) {
              window.ShortScience.typesetMath(preview);
            }
          });
      }, 350);
    }

    function save() {
      clearTimeout(saveTimer);
      var url = form.getAttribute("action");
      if (!url) {
        return Promise.resolve(false);
      }
      dirty = false;
      setStatus("Saving…");
      saving = post(url, new FormData(form)).then(function (body) {
        if (body.ok) {
          setStatus("Saved at " + new Date().toLocaleTimeString() + ".");
          if (options && options.onSaved) {
            options.onSaved(body.entry);
          }
        } else {
          dirty = true;
          setStatus(body.error || "Not saved: " + JSON.stringify(body.errors || {}));
        }
        return body.ok;
      });
      return saving;
    }

    function changed() {
      dirty = true;
      textarea.setAttribute("lang", language.value);
      refreshPreview();
      if (autosave) {
        clearTimeout(saveTimer);
        saveTimer = setTimeout(save, 800);
        setStatus("Draft: saving in a moment…");
      } else {
        setStatus("Not saved yet: press Save (Ctrl+Enter).");
      }
    }

    textarea.addEventListener("input", changed);
    language.addEventListener("change", changed);
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    return {
      load: function (note, lang) {
        textarea.value = note || "";
        if (lang) {
          language.value = lang;
        }
        textarea.setAttribute("lang", language.value);
        dirty = false;
        setStatus("");
        preview.innerHTML = "";
        if (textarea.value) {
          refreshPreview();
        }
      },
      save: save,
      flush: function () {
        return dirty && autosave ? save() : saving || Promise.resolve(true);
      },
      isDirty: function () {
        return dirty;
      },
      textarea: textarea,
    };
  }

  // --- Triage ---------------------------------------------------------------------------------------------
  function setUpTriage() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-triage-row]"));
    var current = -1;
    var noteDialog = document.querySelector("[data-note-dialog]");
    var noteForm = noteDialog.querySelector("[data-note-form]");
    var noteRow = null;
    var editor = noteEditor(noteForm, {
      onSaved: function (entry) {
        if (noteRow && entry) {
          sameRows(noteRow).forEach(function (row) {
            row.setAttribute("data-note", entry.note);
            row.setAttribute("data-language", entry.language);
          });
        }
      },
    });

    function sameRows(row) {
      var paper = row.getAttribute("data-paper");
      return rows.filter(function (other) {
        return other.getAttribute("data-paper") === paper;
      });
    }

    function select(index) {
      if (!rows.length) {
        return;
      }
      index = Math.max(0, Math.min(rows.length - 1, index));
      if (rows[current]) {
        rows[current].classList.remove("is-current");
      }
      current = index;
      rows[current].classList.add("is-current");
      rows[current].focus({ preventScroll: true });
      rows[current].scrollIntoView({ block: "nearest" });
    }

    function currentRow() {
      return rows[current] || null;
    }

    var LABELS = { added: "Added", starred: "★ Starred", skipped: "Skipped", "": "" };

    function setButton(row, key, value, pressed) {
      var button = row.querySelector("[data-key=" + key + "]");
      button.value = value;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    }

    function applyState(row, state, entry) {
      var inDigest = state === "added" || state === "starred";
      row.setAttribute("data-state", state);
      row.classList.remove("is-added", "is-starred", "is-skipped");
      if (state) {
        row.classList.add("is-" + state);
      }
      setButton(row, "a", inDigest ? "remove" : "add", inDigest);
      setButton(row, "s", state === "starred" ? "unstar" : "star", state === "starred");
      setButton(row, "x", state === "skipped" ? "unskip" : "skip", state === "skipped");
      row.querySelector("[data-state-label]").textContent = LABELS[state] || "";
      if (entry) {
        row.setAttribute("data-entry-url", entry.url);
        row.setAttribute("data-note", entry.note);
        row.setAttribute("data-language", entry.language);
      } else {
        row.removeAttribute("data-entry-url");
        row.removeAttribute("data-note");
        row.removeAttribute("data-language");
      }
    }

    function updateCounts(counts) {
      Object.keys(counts || {}).forEach(function (name) {
        var cell = document.querySelector("[data-count=" + name + "]");
        if (cell) {
          cell.textContent = counts[name];
        }
      });
    }

    function act(row, action) {
      var form = row.querySelector("[data-triage-form]");
      var data = new FormData(form);
      data.set("action", action);
      // getAttribute: the buttons are named "action", which shadows form.action.
      return post(form.getAttribute("action"), data).then(function (body) {
        if (!body.ok) {
          // Shown in the row itself (a live region): e.g. removing a paper whose note would be lost.
          row.querySelector("[data-state-label]").textContent = body.error || "Not done.";
          return null;
        }
        sameRows(row).forEach(function (other) {
          applyState(other, body.state, body.entry);
        });
        updateCounts(body.counts);
        announce((LABELS[body.state] || "Back to untriaged") + ": " + row.querySelector(".triage-title a").textContent);
        return body;
      });
    }

    function press(row, key) {
      var button = row.querySelector("[data-key=" + key + "]");
      return act(row, button.value);
    }

    function openNote(row) {
      var ready = row.getAttribute("data-entry-url") ? Promise.resolve(true) : press(row, "a");
      ready.then(function (done) {
        if (!done || !row.getAttribute("data-entry-url")) {
          return;
        }
        noteRow = row;
        var url = row.getAttribute("data-entry-url");
        noteForm.setAttribute("action", url);
        noteDialog.querySelector("[data-note-paper]").textContent = row.querySelector(".triage-title a").textContent;
        noteDialog.querySelector("[data-note-more]").href = url;
        editor.load(row.getAttribute("data-note"), row.getAttribute("data-language"));
        openDialog(noteDialog);
        editor.textarea.focus();
      });
    }

    noteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      editor.save().then(function (ok) {
        if (ok) {
          noteDialog.close();
        }
      });
    });
    noteDialog.addEventListener("close", function () {
      editor.flush();
      if (noteRow) {
        noteRow.focus({ preventScroll: true });
      }
    });

    rows.forEach(function (row, index) {
      row.addEventListener("focusin", function () {
        if (current !== index) {
          if (rows[current]) {
            rows[current].classList.remove("is-current");
          }
          current = index;
          row.classList.add("is-current");
        }
      });
      row.querySelector("[data-triage-form]").addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button) {
          return;
        }
        event.preventDefault();
        if (button.value === "note") {
          openNote(row);
        } else {
          act(row, button.value);
        }
      });
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
        return;
      }
      if (document.querySelector("dialog[open]")) {
        return; // the open dialog has the keyboard; Esc closes it natively
      }
      var row = currentRow();
      switch (event.key) {
        case "j":
          select(current + 1);
          break;
        case "k":
          select(current < 0 ? 0 : current - 1);
          break;
        case "a":
        case "s":
        case "x":
          if (!row) {
            return;
          }
          press(row, event.key);
          break;
        case "n":
          if (!row) {
            return;
          }
          openNote(row);
          break;
        case "o":
          if (!row || !row.querySelector("details")) {
            return;
          }
          row.querySelector("details").open = !row.querySelector("details").open;
          break;
        case "?":
          openDialog(keysDialog);
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  }

  // --- Entries: order -------------------------------------------------------------------------------------
  function setUpEntries() {
    var list = document.querySelector("[data-entry-list]");
    if (!list) {
      return;
    }
    var current = null;

    function rows() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-entry-row]"));
    }

    function select(row) {
      if (!row) {
        return;
      }
      if (current) {
        current.classList.remove("is-current");
      }
      current = row;
      row.classList.add("is-current");
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }

    function renumberButtons() {
      var all = rows();
      all.forEach(function (row, index) {
        row.querySelector("button[value=up]").disabled = index === 0;
        row.querySelector("button[value=down]").disabled = index === all.length - 1;
      });
    }

    function move(row, direction) {
      var data = new FormData();
      data.set("direction", direction);
      return post(row.getAttribute("data-move-url"), data).then(function (body) {
        if (!body.ok) {
          announce(body.error || "Not moved.");
          return;
        }
        var byId = {};
        rows().forEach(function (item) {
          byId[item.id] = item;
        });
        body.order.forEach(function (id) {
          list.appendChild(byId["entry-" + id]);
        });
        renumberButtons();
        select(row);
        announce("Moved to number " + (rows().indexOf(row) + 1));
      });
    }

    rows().forEach(function (row) {
      row.addEventListener("focusin", function () {
        if (current !== row) {
          if (current) {
            current.classList.remove("is-current");
          }
          current = row;
          row.classList.add("is-current");
        }
      });
      row.querySelector("[data-move-form]").addEventListener("submit", function (event) {
        if (!event.submitter) {
          return;
        }
        event.preventDefault();
        move(row, event.submitter.value);
      });
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
        return;
      }
      if (document.querySelector("dialog[open]")) {
        return;
      }
      var all = rows();
      var index = current ? all.indexOf(current) : -1;
      switch (event.key) {
        case "j":
          select(all[Math.min(all.length - 1, index + 1)]);
          break;
        case "k":
          select(all[Math.max(0, index - 1)]);
          break;
        case "J":
          if (current) {
            move(current, "down");
          }
          break;
        case "K":
          if (current) {
            move(current, "up");
          }
          break;
        case "n":
        case "Enter":
          if (!current || (event.key === "Enter" && event.target !== current)) {
            return;
          }
          window.location.href = current.getAttribute("data-entry-url");
          break;
        case "?":
          openDialog(keysDialog);
          break;
        default:
          return;
      }
      event.preventDefault();
    });
  }

  // --- Entry page ------------------------------------------------------------------------------------------
  function setUpEntry() {
    var form = document.querySelector("[data-entry-form]");
    if (form) {
      noteEditor(form);
    }
  }

  if (page === "triage") {
    setUpTriage();
  } else if (page === "entries") {
    setUpEntries();
  } else if (page === "entry") {
    setUpEntry();
  }
})();
