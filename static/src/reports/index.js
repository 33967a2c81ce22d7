// The reports page's charts (Chart.js, bundled by esbuild): bars whose click opens the
// conversations behind them.  Every chart card comes from one Jinja macro (chart_card in
// templates/reports/index.html) that writes the bars' labels, values and click-through
// values as data attributes; the numbers are also in a table under each chart, with the
// same links, so the page works without this script.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

function draw(canvas) {
  const labels = JSON.parse(canvas.dataset.labels);
  const values = JSON.parse(canvas.dataset.values);
  const links = JSON.parse(canvas.dataset.links);
  const base = canvas.dataset.linkBase;
  const flat = canvas.dataset.axis === "y"; // long labels (intents): horizontal bars
  const value = { beginAtZero: true, ticks: { precision: 0 } };
  if (canvas.dataset.max) value.max = Number(canvas.dataset.max);
  const chart = new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ data: values, backgroundColor: "#1f6feb", borderRadius: 4 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: flat ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: flat ? { x: value } : { y: value },
      onClick: (_event, elements) => {
        if (!elements.length) return;
        const url = new URL(base, window.location.href);
        url.searchParams.set("value", links[elements[0].index]);
        window.location.assign(url.toString());
      },
    },
  });
  canvas.dataset.drawn = "true";
  return chart;
}

const charts = [...document.querySelectorAll("canvas[data-chart]")].map(draw);
window.__kefuReports = { charts };
