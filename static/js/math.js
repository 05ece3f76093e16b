/*
 * Typeset the TeX in rendered Markdown (summaries, comments, previews) and abstracts with KaTeX.
 *
 * The server (shortscience/lib/markdown.py) has already decided what is math and wrapped it in
 * .math-inline / .math-display elements holding escaped TeX between dollars; only those are
 * typeset, so a price such as "$5 and $10" in the prose is never mistaken for a formula.
 * Needs katex.min.js and contrib/auto-render.min.js loaded first (all three with `defer`).
 */
(function () {
  "use strict";

  var OPTIONS = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
    trust: false,
    strict: "ignore",
  };
  var MATH = ".math-inline, .math-display";

  function typesetWithin(root) {
    if (!root || typeof window.renderMathInElement !== "function") {
      return;
    }
    var targets = Array.prototype.slice.call(root.querySelectorAll(MATH));
    if (root.matches && root.matches(MATH)) {
      targets.push(root);
    }
    targets.forEach(function (element) {
      if (element.hasAttribute("data-math-typeset")) {
        return;
      }
      element.setAttribute("data-math-typeset", "");
      window.renderMathInElement(element, OPTIONS);
    });
  }

  function typesetPage() {
    Array.prototype.forEach.call(document.querySelectorAll(".markdown-body, .abstract"), typesetWithin);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typesetPage);
  } else {
    typesetPage();
  }

  // Content swapped in later: django-markdownx previews (a non-bubbling event, hence capture)
  // and htmx responses.
  document.addEventListener(
    "markdownx.update",
    function (event) {
      typesetWithin(event.target);
    },
    true
  );
  document.addEventListener("htmx:afterSettle", function (event) {
    typesetWithin((event.detail && event.detail.elt) || event.target);
  });

  window.ShortScience = window.ShortScience || {};
  window.ShortScience.typesetMath = typesetWithin;
})();
