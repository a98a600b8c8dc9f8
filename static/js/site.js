/* Small enhancements every page shares; the pages work without them.
 *
 * - The menu collapses behind one button on narrow screens.
 * - The counts beside the menu's links are fetched after the page has loaded.
 * - A table wider than the page scrolls inside its own labelled region.
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

  // The name of a table's scrolling region: its caption, or the heading before it.
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var node = table.parentElement;
    while (node && node !== document.body) {
      var sibling = node.previousElementSibling;
      while (sibling) {
        if (/^H[1-6]$/.test(sibling.tagName)) return sibling.textContent.trim();
        var inner = sibling.querySelectorAll && sibling.querySelectorAll("h1,h2,h3,h4");
        if (inner && inner.length) return inner[inner.length - 1].textContent.trim();
        sibling = sibling.previousElementSibling;
      }
      node = node.parentElement;
    }
    return document.title;
  }

  function wrapTables() {
    document.querySelectorAll("main table").forEach(function (table) {
      var region = table.parentElement;
      if (region.classList.contains("table-wrap")) return;  // a region already
      if (!region.classList.contains("table-scroll")) {
        region = document.createElement("div");
        region.className = "table-scroll";
        table.parentNode.insertBefore(region, table);
        region.appendChild(table);
      }
      markScrolling(region, table);
    });
  }

  // Only a container that scrolls is a stop for the keyboard, named after its table (a
  // group, not a landmark: a page may hold several tables under one heading).
  function markScrolling(region, table) {
    var scrolls = region.scrollWidth > region.clientWidth + 1;
    if (scrolls) {
      region.setAttribute("role", "group");
      region.setAttribute("tabindex", "0");
      if (!region.getAttribute("aria-label")) {
        region.setAttribute("aria-label", tableName(table));
      }
    } else if (!region.hasAttribute("data-keep")) {
      region.removeAttribute("role");
      region.removeAttribute("tabindex");
    }
  }

  function rewrapOnResize() {
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        document.querySelectorAll("main .table-scroll").forEach(function (region) {
          var table = region.querySelector("table");
          if (table) markScrolling(region, table);
        });
      }, 150);
    });
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
    wrapTables();
    rewrapOnResize();
    document.body.addEventListener("htmx:afterSwap", wrapTables);
    showCounts();
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
