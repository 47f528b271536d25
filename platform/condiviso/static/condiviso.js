// Bootstrap Italia's CSS does not declare its fonts: load them from our own static folder.
(function () {
  var script = document.currentScript;
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function" && script) {
    window.bootstrap.loadFonts(script.getAttribute("data-fonts"));
  }
})();
