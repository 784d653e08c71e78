// Dashboard charts (Chart.js, vendored). Data comes from the json_script block of the page.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const yen = new Intl.NumberFormat(document.documentElement.lang || "ja");
  const money = { ticks: { callback: (v) => yen.format(v) } };
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  };
  draw("chart-paid", {
    type: "line",
    data: {
      labels: data.paid.map((d) => d.day),
      datasets: [
        { label: data.labels.paid, data: data.paid.map((d) => d.paid), borderColor: "#198754", tension: 0.2 },
        { label: data.labels.outstanding, data: data.paid.map((d) => d.outstanding), borderColor: "#dc3545", tension: 0.2 },
      ],
    },
    options: { scales: { y: money }, animation: false },
  });
  draw("chart-inquiries", {
    type: "bar",
    data: {
      labels: data.inquiries.map((d) => d.day),
      datasets: [{ label: data.labels.inquiries, data: data.inquiries.map((d) => d.n), backgroundColor: "#0d6efd" }],
    },
    options: { animation: false },
  });
  const [opens, closes] = data.opening;
  draw("chart-hours", {
    type: "bar",
    data: {
      labels: data.hours.map((_, h) => `${h}:00`),
      datasets: [{
        label: data.labels.inquiries,
        data: data.hours,
        backgroundColor: data.hours.map((_, h) => (h >= opens && h < closes ? "#0d6efd" : "#adb5bd")),
      }],
    },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
});
