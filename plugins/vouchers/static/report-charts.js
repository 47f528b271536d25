// The vouchers' report: each table that a <canvas data-chart-for="<table id>"> names is drawn as
// a bar chart with Chart.js (loaded before this script). The table stays the source of truth
// and is never hidden: the chart shows the columns whose header has data-series, the numbers
// read from the cells' data-cents (integer cents), the labels from the rows' headers. Without
// JavaScript, or without Chart.js, the canvas stays hidden and the page is complete with its
// tables. No text is written here: every word comes from the page, in the person's language.
(function () {
  "use strict";

  if (typeof window.Chart !== "function") {
    return;
  }

  // At least 4.5:1 against white (WCAG 1.4.11 asks 3:1), and apart from each other in hue and
  // lightness for the common colour blindnesses; the legend and the table name every series.
  var COLOURS = {
    issued: "#0066CC",
    spent: "#B35900",
    expired: "#5D3A9B",
    cancelled: "#007A5E",
  };
  var FALLBACK = "#5C6F82";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var locale = document.documentElement.lang || "it";
  var euro = new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" });
  var wholeEuro = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "EUR",
    maximumFractionDigits: 0,
  });

  function cents(cell) {
    var value = parseInt(cell && cell.getAttribute("data-cents"), 10);
    return isNaN(value) ? 0 : value;
  }

  function read(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var series = [];
    for (var i = 0; i < headers.length; i++) {
      var key = headers[i].getAttribute("data-series");
      if (key) {
        series.push({ key: key, column: i, label: headers[i].textContent.trim(), cents: [] });
      }
    }
    var labels = [];
    var body = table.tBodies[0];
    var rows = body ? body.rows : [];
    for (var r = 0; r < rows.length; r++) {
      var head = rows[r].cells[0];
      labels.push((head.getAttribute("data-label") || head.textContent).trim());
      for (var s = 0; s < series.length; s++) {
        series[s].cents.push(cents(rows[r].cells[series[s].column]));
      }
    }
    return { labels: labels, series: series };
  }

  // The axis of the amounts shows whole euro; the other one the rows' labels.
  function scales(horizontal) {
    var ink = { color: "#1A1A1A" };
    var amounts = {
      beginAtZero: true,
      ticks: {
        color: ink.color,
        callback: function (value) {
          return wholeEuro.format(value);
        },
      },
    };
    var labels = { ticks: ink };
    return horizontal ? { x: amounts, y: labels } : { x: labels, y: amounts };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-chart-for"));
    if (!table) {
      return;
    }
    var data = read(table);
    var moved = data.series.some(function (one) {
      return one.cents.some(function (value) {
        return value !== 0;
      });
    });
    if (!moved) {
      return; // nothing to draw: the table says so
    }
    var box = canvas.parentNode;
    box.hidden = false;
    // Long labels (categories), or a phone's narrow screen, read better on horizontal bars,
    // as tall as their rows need.
    var horizontal = canvas.hasAttribute("data-horizontal") || box.clientWidth < 576;
    if (horizontal) {
      box.style.position = "relative";
      box.style.height = data.labels.length * (data.series.length * 9 + 16) + 110 + "px";
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (one) {
          var colour = COLOURS[one.key] || FALLBACK;
          return {
            label: one.label,
            data: one.cents.map(function (value) {
              return value / 100;
            }),
            cents: one.cents,
            backgroundColor: colour,
            borderColor: "#FFFFFF",
            borderWidth: 1,
          };
        }),
      },
      options: {
        locale: locale,
        animation: still ? false : { duration: 400 },
        responsive: true,
        maintainAspectRatio: !horizontal,
        aspectRatio: 2,
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { position: "bottom", labels: { color: "#1A1A1A" } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.dataset.cents[item.dataIndex];
                return item.dataset.label + ": " + euro.format(value / 100);
              },
            },
          },
        },
        scales: scales(horizontal),
      },
    });
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart-for]");
    for (var i = 0; i < canvases.length; i++) {
      draw(canvases[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
