// Small helpers for the pages; everything works without them.
// A button with data-copy puts its text on the clipboard (an address, to paste
// into a map app) and says so for a moment.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  var label = button.textContent;
  navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
    button.textContent = "✓";
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});
