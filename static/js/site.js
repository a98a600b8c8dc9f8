/* Small enhancements every page shares; the pages work without them.
 *
 * - The menu collapses behind one button on narrow screens.
 * - The counts beside the menu's links are fetched after the page has loaded.
 * - After a failed submit, focus moves to the error summary at the top of the form.
 * No inline script: the Content-Security-Policy allows only files from this origin.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.querySelector(".menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        button.setAttribute("aria-expanded", "false");
        nav.classList.remove("open");
        button.focus();
      }
    });
  }

  function showCounts() {
    var nav = document.getElementById("site-nav");
    var url = nav && nav.getAttribute("data-counts");
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (counts) {
        document.querySelectorAll(".nav-count[data-count]").forEach(function (badge) {
          var keys = badge.getAttribute("data-count").split(" ");
          var total = 0;
          var labels = [];
          keys.forEach(function (key) {
            if (counts[key]) {
              total += counts[key].n;
              labels.push(counts[key].label);
            }
          });
          if (!total) return;
          badge.textContent = "";
          var number = document.createElement("span");
          number.setAttribute("aria-hidden", "true");
          number.textContent = String(total);
          var words = document.createElement("span");
          words.className = "visually-hidden";
          words.textContent = "(" + labels.join(", ") + ")";
          badge.appendChild(number);
          badge.appendChild(words);
          badge.hidden = false;
        });
      })
      .catch(function () { /* the counts are a help, not the page */ });
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      summary.scrollIntoView({ block: "start" });
    }
  }

  function start() {
    setUpMenu();
    showCounts();
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
