/* Draw the effects dashboard's charts with the locally served plotly.min.js.
 *
 * Each chart is an element with data-chart="<id>", where <id> names a
 * <script type="application/json"> written by Django's json_script filter:
 *   {type: "bar"|"line", stacked, unit, yTitle, separators, x: [labels],
 *    series: [{name, values: [numbers or null]}]}
 * No inline script: the Content-Security-Policy allows only files from this origin.
 * The same figures are in the table beside each chart, so the charts are static images.
 */
(function () {
  "use strict";

  var PALETTE = ["#0b5563", "#b3261e", "#8a5300", "#1e6b34", "#5b3f99", "#4a5565"];

  function traces(spec) {
    return spec.series.map(function (series, i) {
      var colour = PALETTE[i % PALETTE.length];
      var trace = { name: series.name, x: spec.x, y: series.values };
      if (spec.type === "line") {
        trace.type = "scatter";
        trace.mode = "lines+markers";
        trace.connectgaps = false;
        trace.line = { color: colour, width: 3 };
        trace.marker = { color: colour, size: 7 };
      } else {
        trace.type = "bar";
        trace.marker = { color: colour };
      }
      return trace;
    });
  }

  function largest(spec) {
    var top = 0;
    spec.series.forEach(function (series) {
      series.values.forEach(function (value) {
        if (value !== null && value > top) {
          top = value;
        }
      });
    });
    if (spec.stacked) {
      top = 0;
      spec.x.forEach(function (_label, i) {
        var sum = 0;
        spec.series.forEach(function (series) { sum += series.values[i] || 0; });
        top = Math.max(top, sum);
      });
    }
    return top;
  }

  function layout(spec, count) {
    var yaxis = {
      title: { text: spec.yTitle },
      rangemode: "tozero",
      automargin: true,
      gridcolor: "#c9d1da",
      tickfont: { color: "#1c2430" }
    };
    if (spec.unit === "percent") {
      yaxis.range = [0, 100];
      yaxis.ticksuffix = " %";
    }
    if (spec.unit === "count") {
      // Whole numbers only: with small counts plotly would otherwise tick 0.5, 1.5 ...
      yaxis.tickformat = ",d";
      if (largest(spec) <= 5) {
        yaxis.dtick = 1;
      }
    }
    return {
      barmode: spec.stacked ? "stack" : "group",
      height: 300,
      margin: { l: 60, r: 10, t: 10, b: 40 },
      showlegend: count > 1,
      legend: { orientation: "h", y: -0.2 },
      xaxis: { type: "category", automargin: true, tickfont: { color: "#1c2430" } },
      yaxis: yaxis,
      separators: spec.separators || ".,",
      font: { family: "system-ui, sans-serif", color: "#1c2430", size: 13 },
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff"
    };
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var data = traces(spec);
    window.Plotly.newPlot(element, data, layout(spec, data.length), {
      staticPlot: true,
      displayModeBar: false,
      responsive: true
    }).then(function () {
      // The container is role="img" with its own label; the drawing inside is decoration.
      var svgs = element.querySelectorAll("svg");
      for (var i = 0; i < svgs.length; i += 1) {
        svgs[i].setAttribute("aria-hidden", "true");
        svgs[i].setAttribute("focusable", "false");
      }
      element.setAttribute("data-drawn", "true");
    });
  }

  function drawAll(root) {
    var charts = (root || document).querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i += 1) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // Parts of a page htmx swaps in get their charts too.
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
