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
    staleSay(detail.elt); // a read: the next one will do, but a list must not look current
    return;
  }
  var source = detail.elt instanceof HTMLElement ? detail.elt : null;
  if (!source) {
    return;
  }
  var form = source.closest("form") || source;
  if (event.type === "htmx:sendError" && form.hasAttribute("data-keeps-unsent")) {
    // It keeps what it could not send and says so itself (evacuation/outbox.js); an
    // answer that came as an error is said here, as for any form.
    return;
  }
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
// A list that refreshes itself (the queue, the dashboard, a progress panel:
// [data-refreshed-at]) whose refresh failed still shows its last state, with nothing
// to tell that from the present: an operator could wait for calls that are already
// there. Say so in it until a refresh succeeds (the swap replaces the whole list,
// this alert with it).
function staleSay(list) {
  if (!(list instanceof HTMLElement) || !list.hasAttribute("data-refreshed-at")) {
    return;
  }
  var alert = list.querySelector(".stale");
  if (!alert) {
    alert = document.createElement("p");
    alert.className = "stale error-box";
    alert.setAttribute("role", "alert");
    list.insertBefore(alert, list.firstChild);
  }
  // A progress panel says it in its own words (data-stale on it), a list in the body's.
  var text = list.getAttribute("data-stale") || document.body.getAttribute("data-stale") || "";
  if (alert.textContent !== text) {
    alert.textContent = text; // once: a screen reader is not to repeat it at every try
  }
}
// A queue in a tab behind another (the case being typed, a call's notes) goes on
// refreshing, but says nothing there. When a refresh brings new cases the operator
// has not seen, the tab's title counts them, "(2) Queue · reliefline", until the
// operator looks at the tab again. The queue names every new case of its filter
// (data-new-references), on whichever page: a low-priority call lands past the first.
(function () {
  var title = document.title;
  var seen = {};
  var unseen = {};

  function references() {
    var queue = document.getElementById("queue-table");
    var listed = (queue && queue.getAttribute("data-new-references")) || "";
    return listed.split(" ").filter(Boolean);
  }

  function looked() {
    references().forEach(function (reference) {
      seen[reference] = true;
    });
    unseen = {};
    document.title = title;
  }

  document.addEventListener("htmx:afterSettle", function () {
    if (!document.getElementById("queue-table")) {
      return;
    }
    if (!document.hidden) {
      looked();
      return;
    }
    references().forEach(function (reference) {
      if (!seen[reference]) {
        unseen[reference] = true;
      }
    });
    var count = Object.keys(unseen).length;
    document.title = count ? "(" + count + ") " + title : title;
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      looked();
    }
  });
  document.addEventListener("DOMContentLoaded", looked);
})();
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

// What an operator typed must survive the end of a session. A shift's session ends
// 12 hours after signing in; a form sent after that reaches the sign-in page instead
// of being recorded, and signing in again used to bring back an empty form (a whole
// call's record, in the new-call form). So a form that records something (it carries
// an idempotency key) is kept in this tab's sessionStorage while it is being sent.
// The next page decides: a sign-in page (body[data-sign-in]) keeps it; after signing
// in as the same user, the form at the same address is filled from it, with a note,
// and it is deleted; any other page means the send was answered, and it is deleted.
// It holds personal data, so it never outlives an hour, another user, or a log-out.
var DRAFT = "reliefline.unsent";
var DRAFT_MAX_AGE = 3600 * 1000;
var DRAFT_SKIP = { csrfmiddlewaretoken: true, idempotency_key: true };
var TYPED = { text: true, search: true, tel: true, number: true, date: true, email: true, "datetime-local": true };

function draftRead() {
  try {
    return JSON.parse(window.sessionStorage.getItem(DRAFT) || "null");
  } catch (error) {
    return null; // storage off (private mode) or not ours: nothing to restore
  }
}

function draftWrite(draft) {
  try {
    if (draft) {
      window.sessionStorage.setItem(DRAFT, JSON.stringify(draft));
    } else {
      window.sessionStorage.removeItem(DRAFT);
    }
  } catch (error) {
    // Storage off or full: the form is sent all the same, only not kept.
  }
}

function formAddress(form) {
  return new URL(form.getAttribute("action") || window.location.href, window.location.href).pathname;
}

function draftKeep(form) {
  if (!(form instanceof HTMLFormElement) || !form.querySelector("input[name=idempotency_key]")) {
    return;
  }
  var fields = [];
  var boxes = [];
  var typed = false;
  Array.prototype.forEach.call(form.elements, function (element) {
    var type = element.type;
    if (!element.name || DRAFT_SKIP[element.name] || element.disabled) {
      return;
    }
    if (type === "password" || type === "file" || type === "submit" || type === "button") {
      return;
    }
    if (type === "checkbox" && boxes.indexOf(element.name) === -1) {
      boxes.push(element.name); // so that boxes left all unticked are unticked again
    }
    if ((type === "checkbox" || type === "radio") && !element.checked) {
      return;
    }
    if (element.closest(".place-picker") && element.type !== "hidden") {
      return; // a picker's search box: the picked place (its hidden input) is what counts
    }
    if (element instanceof HTMLSelectElement && element.multiple) {
      Array.prototype.forEach.call(element.selectedOptions, function (option) {
        fields.push([element.name, option.value]);
      });
      return;
    }
    fields.push([element.name, element.value]);
    if (element.value && (element instanceof HTMLTextAreaElement || TYPED[type])) {
      typed = true;
    }
  });
  if (!typed) {
    return; // a button's form (a boarding mark): nothing typed to lose
  }
  draftWrite({
    user: document.body.getAttribute("data-user") || "",
    action: formAddress(form),
    fields: fields,
    boxes: boxes,
    at: Date.now(),
    state: "sending",
  });
}

function draftFill(form, draft) {
  var values = {};
  (draft.boxes || []).forEach(function (name) {
    values[name] = [];
  });
  draft.fields.forEach(function (pair) {
    (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
  });
  var later = {}; // radios not on the page yet: the caller lookup brings them
  Object.keys(values).forEach(function (name) {
    var wanted = values[name];
    var elements = Array.prototype.filter.call(form.elements, function (element) {
      return element.name === name;
    });
    if (!elements.length) {
      if (wanted.length) {
        later[name] = wanted[0];
      }
      return;
    }
    var picker = elements[0].closest(".place-picker[data-pick]");
    if (picker) {
      if (wanted[0] && wanted[0] !== elements[0].value) {
        var url = new URL(picker.getAttribute("data-pick"), window.location.href);
        url.searchParams.set("id", wanted[0]);
        window.htmx.ajax("GET", url.pathname + url.search, { target: picker, swap: "outerHTML" });
      }
      return;
    }
    var next = 0;
    elements.forEach(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = wanted.indexOf(element.value) !== -1;
      } else if (element instanceof HTMLSelectElement && element.multiple) {
        Array.prototype.forEach.call(element.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
      } else if (next < wanted.length) {
        element.value = wanted[next++];
        if (element.type !== "hidden") {
          // What listens for typing (the caller lookup) runs as if it had been typed.
          element.dispatchEvent(new Event("input", { bubbles: true }));
        }
      }
    });
  });
  if (Object.keys(later).length) {
    form.addEventListener("htmx:afterSwap", function check() {
      Object.keys(later).forEach(function (name) {
        var selector = "input[name='" + CSS.escape(name) + "'][value='" + CSS.escape(later[name]) + "']";
        var element = form.querySelector(selector);
        if (element) {
          element.checked = true;
          delete later[name];
        }
      });
      if (!Object.keys(later).length) {
        form.removeEventListener("htmx:afterSwap", check);
      }
    });
  }
  var note = document.createElement("p");
  note.className = "draft-restored message";
  note.setAttribute("role", "status");
  note.textContent = document.body.getAttribute("data-draft-restored") || "";
  form.insertBefore(note, form.firstChild);
  var folded = form.closest("details");
  if (folded) {
    folded.open = true; // a case page's note or callback form is folded until asked for
  }
  form.scrollIntoView({ block: "center" });
}

function draftSettle() {
  var draft = draftRead();
  if (!draft) {
    return;
  }
  var body = document.body;
  if (Date.now() - draft.at > DRAFT_MAX_AGE) {
    draftWrite(null);
  } else if (body.hasAttribute("data-sign-in")) {
    if (draft.state === "sending") {
      draft.state = "interrupted";
      draftWrite(draft);
    }
    var main = document.getElementById("main");
    var note = document.createElement("p");
    note.className = "draft-kept banner warning";
    note.setAttribute("role", "status");
    note.textContent = body.getAttribute("data-draft-kept") || "";
    if (main) {
      main.insertBefore(note, main.firstChild);
    }
  } else {
    draftWrite(null);
    var user = body.getAttribute("data-user") || "";
    if (draft.state === "interrupted" && user && user === draft.user) {
      var form = Array.prototype.find.call(document.forms, function (candidate) {
        return candidate.querySelector("input[name=idempotency_key]") && formAddress(candidate) === draft.action;
      });
      if (form) {
        draftFill(form, draft);
      }
    }
  }
}
document.addEventListener("DOMContentLoaded", draftSettle);

// A page form sent the ordinary way (htmx forms cancel this event and are kept below).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-logout")) {
    draftWrite(null);
  } else if (!event.defaultPrevented && (form.method || "").toLowerCase() === "post") {
    draftKeep(form);
  }
});
document.addEventListener("htmx:beforeRequest", function (event) {
  var detail = event.detail || {};
  if (detail.requestConfig && detail.requestConfig.verb !== "get" && detail.elt instanceof HTMLElement) {
    draftKeep(detail.elt.closest("form"));
  }
});
// An htmx form stays on the page whatever the answer, with what was typed in it, so
// the copy is needed only when the answer sends the page away to sign in. Without an
// answer the write may have been recorded: a copy restored later could record it twice.
// (Checked before the answer is swapped in: the swap may take the form off the page,
// and an event on an element no longer in the page never reaches the document.)
function draftAnswered(event) {
  var detail = event.detail || {};
  var write = detail.requestConfig && detail.requestConfig.verb !== "get";
  var form = write && detail.elt instanceof HTMLElement ? detail.elt.closest("form") : null;
  var draft = draftRead();
  if (!draft || draft.state !== "sending" || !form || formAddress(form) !== draft.action) {
    return; // not the write being kept (the queue's refresh, a lookup)
  }
  if (!(event.type === "htmx:beforeOnLoad" && detail.xhr.getResponseHeader("HX-Redirect"))) {
    draftWrite(null);
  }
}
document.addEventListener("htmx:beforeOnLoad", draftAnswered);
document.addEventListener("htmx:sendError", draftAnswered);

// A session ends 12 hours after signing in (access.auth.session_end_fix), whatever
// the operator is doing then. From 15 minutes before, a banner says when, with a
// button to sign in again at once, so that it can be done between two calls instead
// of in the middle of one; once the time has passed it says so.
var SESSION_WARN_BEFORE = 15 * 60 * 1000;

function sessionWatch() {
  var body = document.body;
  var banner = document.querySelector(".session-ending");
  var ends = Date.parse(body.getAttribute("data-session-ends") || "");
  if (!banner || isNaN(ends)) {
    return;
  }
  var text = banner.querySelector(".session-ending-text");
  function show() {
    var left = ends - Date.now();
    if (left > SESSION_WARN_BEFORE) {
      window.setTimeout(show, Math.min(left - SESSION_WARN_BEFORE, 3600 * 1000));
      return;
    }
    var time = new Date(ends).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
    var say = left > 0
      ? (body.getAttribute("data-session-ending") || "").replace("%(time)s", time)
      : body.getAttribute("data-session-ended") || "";
    if (text.textContent !== say) {
      text.textContent = say;
    }
    banner.hidden = false;
    if (left > 0) {
      window.setTimeout(show, Math.min(left + 1000, 60 * 1000));
    }
  }
  show();
}
document.addEventListener("DOMContentLoaded", sessionWatch);
