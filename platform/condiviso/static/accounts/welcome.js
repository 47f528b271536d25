// The welcome sheet's "Stampa" button: shown and working only with JavaScript; without it the
// browser's own print command does the same.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
