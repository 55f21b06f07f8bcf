// Small behaviours of the console that plain HTML lacks; loaded from a file, never inline.
// Enter in a search box (the settlement picker) must not submit the surrounding form.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key === "Enter" && target instanceof HTMLElement && target.hasAttribute("data-no-submit")) {
    event.preventDefault();
  }
});

// A write sent with htmx whose answer never came (the connection dropped) or came as
// a server error would otherwise leave the page as it was, saying nothing. Say so at
// the form it came from, and whether sending it again is safe: it is when the form
// has an idempotency key (access.idempotency). The texts come translated on <body>.
function writeFailed(event) {
  var detail = event.detail || {};
  if (!detail.requestConfig || detail.requestConfig.verb === "get") {
    return; // a read (the queue's refresh, a lookup): the next one will do
  }
  var source = detail.elt instanceof HTMLElement ? detail.elt : null;
  if (!source) {
    return;
  }
  var form = source.closest("form") || source;
  var attribute;
  if (event.type === "htmx:sendError") {
    var once = form.querySelector("input[name=idempotency_key]") !== null;
    attribute = once ? "data-send-failed-once" : "data-send-failed";
  } else {
    var status = detail.xhr ? detail.xhr.status : 0;
    attribute = status >= 500 ? "data-server-failed" : "data-refused"; // 403, 404, 413…
  }
  var note = form.querySelector(".write-failed");
  if (!note) {
    note = document.createElement("p");
    note.className = "write-failed error-box";
    note.setAttribute("role", "alert");
    form.appendChild(note);
  }
  note.textContent = document.body.getAttribute(attribute) || "";
}
document.addEventListener("htmx:sendError", writeFailed);
document.addEventListener("htmx:responseError", writeFailed);
document.addEventListener("htmx:beforeRequest", function (event) {
  var source = event.detail && event.detail.elt;
  var form = source instanceof HTMLElement ? source.closest("form") || source : null;
  var note = form ? form.querySelector(".write-failed") : null;
  if (note) {
    note.remove();
  }
});
