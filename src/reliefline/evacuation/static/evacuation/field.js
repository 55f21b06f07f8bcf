/* The field page: a mark always shows the passenger as marked.
 *
 * Searching by name and marking a passenger both redraw passengers. A search answered
 * after a mark, but read from the database before it, would show the passenger as
 * before ("Allocated" right after "Boarded"), and the team would mark again. So a mark
 * aborts the search under way, and that search, or one asked for while a mark is under
 * way, runs once the mark is answered. No inline script (CSP). */
(function () {
  "use strict";

  var search = document.getElementById("id_q");
  if (!search || !window.htmx) {
    return;
  }
  var marking = 0;
  var searching = false;
  var searchWaits = false;

  function isMark(elt) {
    return elt !== search && elt.closest && elt.closest("form.marks, #code-form") !== null;
  }

  // Counted on the request itself: the form that sent a mark is swapped out by its answer.
  function whenDone(xhr, done) {
    xhr.addEventListener("loadend", done);
  }

  document.body.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (elt === search && marking > 0) {
      event.preventDefault();
      searchWaits = true;
    } else if (isMark(elt) && searching && navigator.onLine !== false) {
      // (Offline, the outbox keeps the mark and sends nothing now, so nothing would
      // run the search again; and the search under way will fail anyway.)
      window.htmx.trigger(search, "htmx:abort");
      searchWaits = true;
    }
  });

  // A search that got no answer (no connection) or failed on the server leaves the last
  // results under the new name, saying nothing. Say so at the search form, as a failed
  // mark is said at its form (reliefline/app.js, whose next request takes it away).
  function searchFailed(event) {
    if (event.detail.elt !== search || !search.form) {
      return;
    }
    var form = search.form;
    var note = form.querySelector(".write-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "write-failed error-box";
      note.setAttribute("role", "alert");
      form.appendChild(note);
    }
    var said = event.type === "htmx:sendError" ? "data-search-unsent" : "data-search-failed";
    note.textContent = form.getAttribute(said) || "";
  }
  document.body.addEventListener("htmx:sendError", searchFailed);
  document.body.addEventListener("htmx:responseError", searchFailed);

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt === search) {
      searching = true;
      whenDone(event.detail.xhr, function () {
        searching = false;
      });
    } else if (isMark(elt)) {
      marking += 1;
      whenDone(event.detail.xhr, function () {
        marking -= 1;
        if (marking === 0 && searchWaits) {
          searchWaits = false;
          window.htmx.trigger(search, "search");
        }
      });
    }
  });
})();
