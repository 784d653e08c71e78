// Small behaviours of the pages; no inline script anywhere (Content Security Policy).
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) {
    event.target.form.submit();
  }
});

// "/" jumps to the search box from anywhere but a text field (call-center shortcut).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.getElementById("search-q") || document.querySelector(".js-global-search");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// "?" lists the keyboard shortcuts (from anywhere but a text field).
document.addEventListener("keydown", (event) => {
  if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const dialog = document.getElementById("shortcuts");
  if (dialog && window.bootstrap) {
    event.preventDefault();
    window.bootstrap.Modal.getOrCreateInstance(dialog).toggle();
  }
});

// Payee forms: show the bank fields or the bill-credit contract for the chosen payout.
function syncPayout(form) {
  const chosen = form.querySelector("input[name=method]:checked");
  const bank = !chosen || chosen.value === "bank_transfer";
  form.querySelectorAll(".js-bank-field").forEach((el) => el.classList.toggle("d-none", !bank));
  form.querySelectorAll(".js-credit-field").forEach((el) => el.classList.toggle("d-none", bank));
}
document.addEventListener("change", (event) => {
  if (event.target.matches("input[name=method]")) syncPayout(event.target.form);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.js-payee-form").forEach(syncPayout);
});

// Confirmation for buttons that say so (data-confirm), e.g. revealing personal data.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// A form marked js-once is sent once: its buttons are disabled after the first submit.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches(".js-once")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
});

// Search results by keyboard: ↓ from the box to the first result, ↑/↓ between results.
document.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const links = Array.from(document.querySelectorAll("table.search-results tbody a"));
  if (!links.length) return;
  const here = links.indexOf(document.activeElement);
  if (event.target.id === "search-q" && event.key === "ArrowDown") {
    links[0].focus();
  } else if (here >= 0) {
    const next = here + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) document.getElementById("search-q")?.focus();
    else if (next < links.length) links[next].focus();
  } else {
    return;
  }
  event.preventDefault();
});

// A page-part request answered by the sign-in page (the session ended): go to the sign-in
// page instead of drawing it inside the part (e.g. the supervisors' badge polled every 20 s).
document.addEventListener("htmx:beforeSwap", (event) => {
  const url = event.detail.xhr && event.detail.xhr.responseURL;
  if (url && new URL(url).pathname.startsWith("/accounts/login/")) {
    event.detail.shouldSwap = false;
    window.location.assign(url);
  }
});
