/* The check-in page without a connection: marks are kept on the phone and sent later.
 *
 * At an assembly point the connection comes and goes, and the bus does not wait for
 * it. A code marked while the phone is offline, or whose request got no answer, is
 * kept in localStorage (the code, the mark, when, by whom and an idempotency key; no
 * name) and sent again when the connection comes back, every 15 s until then, and
 * when the page is opened again. Every code request carries its own key, so a resend
 * after a lost answer gets the first answer instead of a second mark
 * (access.idempotency). A kept mark the server refuses (an unknown code, a passenger
 * marked already) leaves the list and is shown with the reason. No inline script. */
(function () {
  "use strict";

  var form = document.getElementById("code-form");
  var box = document.getElementById("outbox");
  if (!form || !box || !window.fetch || !window.htmx) {
    return;
  }
  var STORE = "reliefline.marks";
  var RETRY_MS = 15000;
  var user = document.body.getAttribute("data-user") || "";
  var action = new URL(form.getAttribute("action"), window.location.href).pathname;
  var sending = false;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "[]");
    } catch (error) {
      return [];
    }
  }

  // Return whether the marks are stored: not when storage is off or full.
  function store(marks) {
    try {
      if (marks.length) {
        window.localStorage.setItem(STORE, JSON.stringify(marks));
      } else {
        window.localStorage.removeItem(STORE);
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  function ours(mark) {
    return mark.user === user && mark.action === action;
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID(); // a secure context (HTTPS, or the demo's loopback)
    }
    var key = "";
    for (var i = 0; i < 32; i += 1) {
      key += Math.floor(Math.random() * 16).toString(16);
    }
    return key;
  }

  function say(attribute, values) {
    var text = form.getAttribute(attribute) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("%(" + name + ")s", values[name]);
    });
    return text;
  }

  function time(at) {
    return new Date(at).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function show(note) {
    var waiting = load().filter(ours);
    var count = box.querySelector(".outbox-count");
    var list = box.querySelector(".outbox-waiting");
    count.textContent = waiting.length ? say("data-outbox-waiting", { n: waiting.length }) : "";
    list.textContent = "";
    waiting.forEach(function (mark) {
      var item = document.createElement("li");
      item.textContent = mark.code.trim().toUpperCase() + " · " + mark.label + " · " + time(mark.at);
      list.appendChild(item);
    });
    if (note) {
      var line = document.createElement("li");
      line.className = note.className;
      line.textContent = note.text;
      box.querySelector(".outbox-sent").prepend(line);
    }
    var problem = box.querySelector(".outbox-problem");
    problem.textContent = box.dataset.problem || "";
    box.hidden = !waiting.length && !box.dataset.problem && !box.querySelector(".outbox-sent li");
  }

  // What the form holds now: the code and mark being sent, with a fresh key.
  function taken() {
    var to = form.querySelector("[name=to]");
    return {
      // As sent: a resend with the same key must carry the same body.
      code: form.querySelector("[name=code]").value || "",
      to: to.value,
      label: to.options ? to.options[to.selectedIndex].text : to.value,
      key: newKey(),
    };
  }

  function keep(mark) {
    if (!mark || !mark.code.trim()) {
      return;
    }
    var marks = load();
    marks.push({
      code: mark.code,
      to: mark.to,
      label: mark.label,
      at: Date.now(),
      user: user,
      action: action,
      key: mark.key,
    });
    var code = form.querySelector("[name=code]");
    if (store(marks)) {
      code.value = ""; // ready for the next code
      if (box.dataset.problem === say("data-outbox-not-kept")) {
        delete box.dataset.problem;
      }
    } else {
      // Not kept (storage off or full): the code goes back in the box, and the page
      // says it must be marked again once the connection is back.
      code.value = mark.code;
      box.dataset.problem = say("data-outbox-not-kept");
    }
    code.focus();
    show();
  }

  // Every code request carries its own key, kept with the mark if no answer comes.
  // (Taken when the request is made: the box is emptied when the request ends.)
  var pending = null;
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt === form) {
      pending = taken();
      event.detail.parameters.idempotency_key = pending.key;
    }
  });
  document.body.addEventListener("htmx:confirm", function (event) {
    if (event.detail.elt === form && navigator.onLine === false) {
      event.preventDefault(); // no connection: do not even try
      keep(taken());
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt === form) {
      keep(pending);
    }
  });

  function answered(mark, response, html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var refused = page.querySelector(".error-box");
    var done = page.querySelector(".code-done");
    var text = refused ? refused.textContent : done ? done.textContent : String(response.status);
    return {
      className: refused ? "error" : "done",
      text: say(refused ? "data-outbox-refused" : "data-outbox-sent", {
        code: mark.code.trim().toUpperCase(),
        result: text.trim(),
      }),
    };
  }

  function send() {
    var mark = load().filter(ours)[0];
    if (sending || !mark) {
      return;
    }
    sending = true;
    var body = new URLSearchParams();
    body.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.set("code", mark.code);
    body.set("to", mark.to);
    body.set("idempotency_key", mark.key);
    window
      .fetch(action, {
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
          store(load().filter(function (other) {
            return other.key !== mark.key;
          }));
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
  show();
  send();
})();
