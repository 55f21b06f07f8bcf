/* The check-in page without a connection: marks are kept on the phone and sent later.
 *
 * At an assembly point the connection comes and goes, and the bus does not wait for
 * it. A code marked while the phone is offline, or whose request got no answer, is
 * kept in localStorage (the code, the mark, when, by whom, where to and an idempotency
 * key; no name) and sent again when the connection comes back, every 15 s until then, and
 * when the page is opened again. Every code request carries its own key, so a resend
 * after a lost answer gets the first answer instead of a second mark
 * (access.idempotency). A kept mark the server refuses (an unknown code, a move the
 * rules forbid) leaves the list and is shown with the reason; one refused as marked so
 * already (another phone was first) leaves it as sent, the passenger being as it asks.
 * A code given the mark kept for it again (scanned twice, typed again) is neither kept
 * twice nor sent, even online: the second would be refused as marked already once the
 * first is sent. The panel says it is marked already, and the kept one is sent now if
 * it can be. Repeats kept by an older script are folded into the first.
 *
 * A passenger's own buttons (form.marks) are kept the same way, in the same list, and
 * sent again to the passenger's own address with the key and fields of the first
 * request: a replay needs the same request, and the code form cannot say no-show.
 * Their row says what is kept, with its buttons off, until the answer replaces the
 * row. No inline script. */
(function () {
  "use strict";

  var form = document.getElementById("code-form");
  var box = document.getElementById("outbox");
  if (!form || !box || !window.fetch || !window.htmx || !window.relieflineOutbox) {
    return;
  }
  var outbox = window.relieflineOutbox("reliefline.marks");
  var RETRY_MS = 15000;
  var user = document.body.getAttribute("data-user") || "";
  var action = outbox.address(form.getAttribute("action"));
  var passengerAction = form.getAttribute("data-outbox-passenger") || "";
  var sending = false;

  // Return where a passenger's own buttons send a mark of this code.
  function passengerAddress(code) {
    return outbox.address(passengerAction.replace("/-/", "/" + encodeURIComponent(code) + "/"));
  }

  // This user's marks made on this page: its codes, and any passenger's buttons (their
  // address does not depend on the convoy).
  function ours(mark) {
    return mark.user === user && (mark.action === action || mark.action === passengerAddress(mark.code));
  }

  // The code as printed ("EV-7KQ2-M9XA"), however the mark was typed: as the server
  // reads it (evacuation.selectors.code_normalise), so that a code typed in Cyrillic
  // look-alikes or without dashes still finds its passenger's row.
  var LOOKALIKES = { "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y" };

  function codeOf(mark) {
    var typed = mark.code.normalize("NFKC").toUpperCase();
    var compact = typed.replace(/[А-ЯЁ]/g, function (letter) {
      return LOOKALIKES[letter] || letter;
    }).replace(/[^0-9A-Z]/g, "");
    var prefix = compact.slice(0, 2);
    if (compact.length !== 10 || (prefix !== "EV" && prefix !== "EB")) {
      return typed.trim();
    }
    return "EV-" + compact.slice(2, 6) + "-" + compact.slice(6);
  }

  function say(attribute, values) {
    return outbox.say(form, attribute, values);
  }

  function show(note) {
    var waiting = outbox.load().filter(ours);
    var count = say("data-outbox-waiting", { n: waiting.length });
    outbox.show(box, waiting, count, function (mark) {
      return codeOf(mark) + " · " + mark.label + " · " + outbox.time(mark.at);
    }, note);
    rowsShow(waiting);
  }

  // A passenger's row with a mark waiting says so, its buttons off: a second tap would
  // only be refused once the first is sent. Redone whenever rows are redrawn.
  function rowsShow(waiting) {
    Array.prototype.forEach.call(document.querySelectorAll("li.passenger[id^='p-']"), function (row) {
      var code = row.id.slice(2);
      var labels = waiting.filter(function (mark) {
        return codeOf(mark) === code;
      }).map(function (mark) {
        return mark.label;
      });
      var note = row.querySelector(".outbox-kept");
      if (!labels.length && !note) {
        return;
      }
      row.classList.toggle("kept", labels.length > 0);
      row.querySelectorAll("form.marks button").forEach(function (button) {
        button.disabled = labels.length > 0;
      });
      if (!labels.length) {
        note.remove();
        return;
      }
      if (!note) {
        note = document.createElement("p");
        note.className = "outbox-kept";
        note.setAttribute("role", "status");
        row.appendChild(note);
      }
      var text = say("data-outbox-kept-row", { mark: labels.join(", ") });
      if (note.textContent !== text) {
        note.textContent = text;
      }
    });
  }

  // What the form holds now: the code and mark being sent, with a fresh key.
  function taken() {
    var to = form.querySelector("[name=to]");
    return {
      // As sent: a resend with the same key must carry the same body.
      code: form.querySelector("[name=code]").value || "",
      to: to.value,
      label: to.options ? to.options[to.selectedIndex].text : to.value,
      key: outbox.newKey(),
    };
  }

  // Return whether the mark is kept. Not kept (storage off or full), the page says it
  // must be marked again once the connection is back.
  function keep(mark) {
    return outbox.keep(box, {
      code: mark.code,
      to: mark.to,
      label: mark.label,
      at: Date.now(),
      user: user,
      action: mark.action || action,
      key: mark.key,
    }, say("data-outbox-not-kept"));
  }

  // Return whether `other` is this user's mark of the same code and the same mark as
  // `mark`: one not to keep or send again (Boarded then Arrived are two marks).
  function repeats(other, mark) {
    return ours(other) && other.to === mark.to && codeOf(other) === codeOf(mark);
  }

  // Return this user's kept mark of the same code and the same mark, if any.
  function keptAlready(mark) {
    return outbox.load().filter(function (other) {
      return repeats(other, mark);
    })[0];
  }

  // Return the kept marks, repeats taken off: a phone may hold some kept by the script
  // before keptAlready (a code scanned twice offline was kept twice), and a repeat
  // sent after the first is refused (marked already, or, after an Arrived kept between
  // them, "Arrived cannot be marked Boarded"). The first is kept: it holds its place in
  // the list, before the Arrived, and its key is the one whose request may have reached
  // the server (a resend then replays its answer). Done when the page opens and before
  // every send (a page opened before the update may still keep repeats).
  function fold() {
    var marks = outbox.load();
    var once = marks.filter(function (mark, index) {
      return !ours(mark) || !marks.slice(0, index).some(function (earlier) {
        return repeats(earlier, mark);
      });
    });
    if (once.length < marks.length) {
      outbox.store(once);
    }
    return once;
  }

  function keepCode(mark) {
    if (!mark || !mark.code.trim()) {
      return;
    }
    var code = form.querySelector("[name=code]");
    var first = keptAlready(mark);
    // Ready for the next code, or, not kept, the code goes back in the box.
    code.value = first || keep(mark) ? "" : mark.code;
    code.focus();
    if (!first) {
      show();
      return;
    }
    show({
      className: "kept",
      key: first.key, // said until the first is sent
      text: say("data-outbox-already", { code: codeOf(first), mark: first.label }),
    });
  }

  // A passenger's tap not kept is said at its row, where app.js says a lost answer
  // (and clears it at the form's next request).
  function keepTap(marks, mark) {
    var note = marks.querySelector(".write-failed");
    if (note) {
      note.remove();
    }
    if (!keep(mark)) {
      note = document.createElement("p");
      note.className = "write-failed error-box";
      note.setAttribute("role", "alert");
      note.textContent = say("data-outbox-not-kept");
      marks.appendChild(note);
    }
    show();
  }

  // What a passenger's tap sends: the fields htmx took from its form (the button
  // pressed, the form's key) and where, for a resend of the very same request.
  function tapped(marks, parameters) {
    var row = marks.closest("li.passenger");
    var to = String(parameters.to || "");
    var button = marks.querySelector("button[name=to][value='" + CSS.escape(to) + "']");
    return {
      code: row.id.slice(2),
      to: to,
      label: button ? button.textContent.trim() : to,
      key: String(parameters.idempotency_key || ""),
      action: outbox.address(marks.getAttribute("action")),
    };
  }

  function isTap(elt) {
    return elt instanceof HTMLFormElement && elt.matches("li.passenger form.marks");
  }

  // Every code request carries its own key, kept with the mark if no answer comes.
  // (Taken when the request is made: the box is emptied when the request ends.) A
  // passenger's form has its rendering's key, kept likewise with the tap it sends.
  var pending = null;
  var tapsPending = new WeakMap();
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt === form) {
      pending = taken();
      event.detail.parameters.idempotency_key = pending.key;
    } else if (isTap(elt)) {
      var mark = tapped(elt, event.detail.parameters);
      if (navigator.onLine === false) {
        event.preventDefault(); // no connection: do not even try
        keepTap(elt, mark);
      } else {
        tapsPending.set(elt, mark);
      }
    }
  });
  document.body.addEventListener("htmx:confirm", function (event) {
    if (event.detail.elt !== form) {
      return;
    }
    var mark = taken();
    var offline = navigator.onLine === false;
    if (offline || keptAlready(mark)) {
      event.preventDefault(); // no connection, or kept already: do not even try
      keepCode(mark);
      form.dispatchEvent(new CustomEvent("outbox:taken")); // no request, no answer (scan.js)
      if (!offline) {
        send(); // the kept one instead, if the connection is back
      }
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt === form) {
      keepCode(pending);
    } else if (isTap(elt) && tapsPending.has(elt)) {
      keepTap(elt, tapsPending.get(elt));
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    rowsShow(outbox.load().filter(ours)); // a search or a mark redrew rows: say it again there
  });

  // The answer is the code form's result (a line, then the passenger's row) or the
  // passenger's row itself (its state, and the reason of a refusal).
  function answered(mark, response, html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    // The key's request was done, and its answer dropped since (a mark kept for days:
    // access.idempotency): the mark was recorded then, once. The answer has no row, so
    // the passenger's is asked for again.
    if (page.getElementById("already-sent") !== null) {
      rowRefresh(mark);
      return {
        className: "done",
        text: say("data-outbox-sent", { code: codeOf(mark), result: mark.label }),
      };
    }
    var row = page.querySelector("li.passenger[id^='p-']");
    var refused = page.querySelector(".error-box, .passenger .error");
    var done = page.querySelector(".code-done, .passenger .state");
    var text = refused ? refused.textContent : done ? done.textContent : String(response.status);
    // Refused as marked so already (by another phone, or by another request of this one
    // whose answer was lost): the passenger is as the mark asks, nothing is left to do.
    // Said as sent, in the server's words, and the row shown without the alert.
    var already = refused !== null && row !== null && row.classList.contains("status-" + mark.to);
    // (A 404 page has neither: its status says it was refused.)
    var failed = !already && (refused !== null || response.status >= 400);
    if (already && row.contains(refused)) {
      refused.remove();
    }
    rowReplace(row);
    return {
      className: failed ? "error" : "done",
      text: say(failed ? "data-outbox-refused" : "data-outbox-sent", {
        code: codeOf(mark),
        result: text.trim(),
      }),
    };
  }

  // The passenger's row on this page, if shown, as the answer has it: marked, or
  // refused with the reason.
  function rowReplace(fresh) {
    var row = fresh ? document.getElementById(fresh.id) : null;
    if (!row) {
      return;
    }
    var copy = document.importNode(fresh, true);
    row.replaceWith(copy);
    window.htmx.process(copy);
  }

  // The passenger's row on this page as the server holds it now: what a search for the
  // code answers (and logs, as any search). Left as it is if the search fails.
  function rowRefresh(mark) {
    var code = codeOf(mark);
    if (!document.getElementById("p-" + code)) {
      return;
    }
    window
      .fetch(window.location.pathname + "?q=" + encodeURIComponent(code), {
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
      })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        rowReplace(page.getElementById("p-" + code));
        rowsShow(outbox.load().filter(ours));
      })
      .catch(function () {});
  }

  function send() {
    var mark = fold().filter(ours)[0];
    if (sending || !mark) {
      return;
    }
    sending = true;
    var body = new URLSearchParams();
    body.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    if (mark.action === action) {
      body.set("code", mark.code); // a passenger's address names the code itself
    }
    body.set("to", mark.to);
    body.set("idempotency_key", mark.key);
    window
      .fetch(mark.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
      })
      .then(function (response) {
        // Kept for later: the session ended (sign in, then it is sent), this page's
        // CSRF token is stale (reload it), or the server failed.
        if (response.headers.get("HX-Redirect") || response.status === 403) {
          box.dataset.problem = say("data-outbox-sign-in");
          throw new Error("not sent");
        }
        if (response.status >= 500) {
          throw new Error("not sent");
        }
        return response.text().then(function (html) {
          outbox.drop(mark.key);
          delete box.dataset.problem;
          sending = false;
          show(answered(mark, response, html));
          send(); // the next one
        });
      })
      .catch(function () {
        sending = false;
        show();
      });
  }

  window.addEventListener("online", send);
  window.setInterval(send, RETRY_MS);
  fold();
  show();
  send();
})();
