// Small behaviours of the console that plain HTML lacks; loaded from a file, never inline.
// Enter in a search box (the settlement picker) must not submit the surrounding form.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key === "Enter" && target instanceof HTMLElement && target.hasAttribute("data-no-submit")) {
    event.preventDefault();
  }
});
