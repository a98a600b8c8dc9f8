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
      // A share built on few cases carries its n beside it ("n = 2").
      var notes = series.notes || [];
      var noted = notes.some(function (note) { return note; });
      if (spec.type === "line") {
        trace.type = "scatter";
        trace.mode = noted ? "lines+markers+text" : "lines+markers";
        trace.connectgaps = false;
        trace.line = { color: colour, width: 3 };
        trace.marker = { color: colour, size: 7 };
        trace.textposition = "top center";
      } else {
        trace.type = "bar";
        trace.marker = { color: colour };
        trace.textposition = "outside";
      }
      if (noted) {
        trace.text = notes;
        trace.textfont = { size: 11, color: "#1c2430" };
        trace.cliponaxis = false;
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

  // The periods along the bottom, level and readable: only as many labels as the chart's
  // width has room for (the latest period always among them), so none overlaps another.
  var LABEL_ROOM = 84;  // px for one period label and the gap beside it

  function xaxis(labels, width) {
    var axis = {
      type: "category",
      automargin: true,
      tickangle: 0,
      tickfont: { color: "#1c2430", size: 12 }
    };
    var room = Math.max(2, Math.floor((width - 80) / LABEL_ROOM));
    if (labels.length > room) {
      var step = Math.ceil(labels.length / room);
      var shown = labels.filter(function (_label, i) {
        return (labels.length - 1 - i) % step === 0;
      });
      axis.tickmode = "array";
      axis.tickvals = shown;
      axis.ticktext = shown;
    }
    return axis;
  }

  function layout(spec, count, width) {
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
      height: 320,
      margin: { l: 60, r: 10, t: count > 1 ? 40 : 24, b: 40 },
      showlegend: count > 1,
      // Above the plot, where the period labels below cannot run into it.
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      xaxis: xaxis(spec.x, width),
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
    window.Plotly.newPlot(element, data, layout(spec, data.length, element.clientWidth || 600), {
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
