/*
 * Votes without a page reload. The vote widget (templates/includes/vote_widget.html) is a plain POST
 * form that works without JavaScript; this script sends the same form with fetch, asks for JSON and
 * updates the score and the pressed state of the arrows in place.
 */
(function () {
  "use strict";

  function setState(form, score, myVote) {
    var scoreEl = form.querySelector("[data-score]");
    if (scoreEl) {
      scoreEl.textContent = String(score);
    }
    Array.prototype.forEach.call(form.querySelectorAll("button[name=value]"), function (button) {
      button.setAttribute("aria-pressed", String(Number(button.value) === myVote));
    });
  }

  function showError(form, message) {
    var errorEl = form.querySelector("[data-vote-error]");
    if (errorEl) {
      errorEl.textContent = message || "";
    }
  }

  function fallbackSubmit(form, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "value";
    input.value = value;
    form.appendChild(input);
    form.setAttribute("data-vote-plain", "");
    form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-vote-form]") || form.hasAttribute("data-vote-plain")) {
      return;
    }
    var button = event.submitter;
    if (!button || button.name !== "value" || !window.fetch) {
      return;
    }
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") {
      return;
    }
    var data = new FormData(form);
    data.set("value", button.value);
    form.setAttribute("aria-busy", "true");
    showError(form, "");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": data.get("csrfmiddlewaretoken") || "",
      },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (result.ok) {
          setState(form, result.body.score, result.body.my_vote);
        } else {
          showError(form, result.body.error || "Your vote was not counted.");
        }
      })
      .catch(function () {
        fallbackSubmit(form, button.value);
      })
      .finally(function () {
        form.removeAttribute("aria-busy");
      });
  });
})();
