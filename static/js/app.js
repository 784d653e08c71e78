// Small behaviours of the pages; no inline script anywhere (Content Security Policy).
document.addEventListener("change", (event) => {
  if (event.target.matches(".js-autosubmit")) {
    event.target.form.submit();
  }
});
