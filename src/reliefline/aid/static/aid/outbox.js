/* The aid field pages without a connection: distributions are kept on the phone and
 * sent later.
 *
 * In Sudzha the connection comes and goes, and the team hands out the goods all the
 * same. A distribution submitted while the phone is offline, or whose request got no
 * answer, is kept in localStorage (`reliefline.distributions`): the household page's
 * address, the form's fields and idempotency key, when, by whom, and a label (the
 * household's reference, the items and quantities). The recipient's name and a
 * coordinator's override justification are sent empty and never kept: the server
 * keeps both encrypted as personal data, and the phone's storage is not encrypted
 * (the justification tells of the household's circumstances). The form is then
 * ready for the next distribution, with a new key: the kept one is the kept
 * distribution's.
 *
 * Kept distributions are sent one after another when the connection comes back,
 * every 15 s until then, and when an aid field page (the search or any household)
 * is opened, by the user who kept them only. Sent again with its key, a
 * distribution whose first request was recorded is not recorded twice
 * (access.idempotency): the answer is the first one replayed, or, when the first
 * request carried the name this copy lacks, the refusal of the key for another
 * request, which the server gives only after a first request that succeeded, or,
 * days later, "already sent" once the answer itself is no longer kept.
 *
 * A refused one (the double-dipping rules, the stock, the form's errors) was handed
 * out all the same. The refused request stored nothing, so the phone reports it in a
 * second request (POST /aid/refusals/report/, with its key: stored once however often
 * sent), where a coordinator settles it (aid/refusals/): a phone lost or reset then
 * loses nothing. Reports wait in their own list, `reliefline.distributions.reports`,
 * and are sent again, like distributions, until the server answers; one it refuses
 * (4xx) stays unreported, and the panel says why. The refused one also moves to a
 * second list, `reliefline.distributions.refused`, with the reasons, and the panel
 * shows it on every aid field page, surviving reloads, with a link to the server's
 * record once reported, until a person removes it. Removing it there takes it off
 * this phone only: a report still waiting is sent all the same, and the server's
 * record is settled on the coordinators' page. On its
 * household's page it can be put back in the form ("Record it again": for a rules
 * refusal, only where the form takes a coordinator's justification), and it leaves
 * the list once recorded; or it is removed by hand, once read and settled. One that
 * cannot be sent because the session ended (the answer is the sign-in page) or the
 * page is stale (403) stays, and the panel asks to sign in again. One answered with
 * a server error stays too and is sent again: it left the form, and the goods were
 * handed out, so dropping it would lose it; the key makes the resend safe.
 *
 * While this script runs the form is always sent with fetch: a plain post whose
 * answer never comes leaves the browser's offline page, the distribution neither
 * recorded for sure nor kept, and only a script that sent it can tell. A real
 * answer shows as the plain post would have shown it (this page, as the answer has
 * it), but for two. A sign-in page: the form is posted again the ordinary way, so
 * that app.js keeps what was typed across signing in, name included, in the tab's
 * sessionStorage, as for every form. A server error: said at the form, which keeps
 * its values and key to send again, as the check-in page does with a code; the team
 * is there to do it, and nothing was recorded (a 5xx is rolled back).
 * No inline script. */
(function () {
  "use strict";

  var box = document.getElementById("outbox");
  var modern = window.fetch && window.DOMParser && HTMLFormElement.prototype.requestSubmit;
  if (!box || !modern || !window.relieflineOutbox) {
    return; // the form posts the ordinary way
  }
  var outbox = window.relieflineOutbox("reliefline.distributions");
  var refusedList = window.relieflineOutbox("reliefline.distributions.refused");
  var reports = window.relieflineOutbox("reliefline.distributions.reports");
  var RETRY_MS = 15000;
  var FORM = "distribution-form";
  var UNKEPT = { recipient_name: "data-outbox-no-name", override_reason: "data-outbox-no-justification" };
  var user = document.body.getAttribute("data-user") || "";
  var serverFailed = {}; // keys of kept ones the server failed on, this round or the last
  var sending = false;
  var reporting = false;
  var submitting = false;
  var ordinary = false; // a submit to let go the ordinary way (to the sign-in page)
  var settling = null; // the key of the refused one put back in the form

  function say(attribute, values) {
    return outbox.say(box, attribute, values);
  }

  function ours(kept) {
    return user !== "" && kept.user === user;
  }

  function show(note) {
    var waiting = outbox.load().filter(ours);
    outbox.show(box, waiting, say("data-outbox-waiting", { n: waiting.length }), function (kept) {
      var line = kept.label + " · " + outbox.time(kept.at);
      return serverFailed[kept.key] ? line + " · " + say("data-outbox-server-failed") : line;
    }, note);
    refusedShow();
  }

  // The form of this page's household, if this is a household's page.
  function formHere() {
    return document.getElementById(FORM);
  }

  // Return whether the refused one can be put back in this page's form: its
  // household's, taking a coordinator's justification when the rules refused it.
  function againOffered(refused) {
    var form = formHere();
    return (
      form !== null &&
      refused.action === outbox.address(form.getAttribute("action") || window.location.href) &&
      (!refused.rules || form.elements.namedItem("override_reason") !== null)
    );
  }

  function settleButton(refused, attribute, act) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.setAttribute("data-settle", act);
    button.setAttribute("data-key", refused.key);
    button.textContent = say(attribute);
    return button;
  }

  // One refused distribution: what, when handed out, why; the household's page (or,
  // on it, "Record it again"), and "Settled".
  function refusedLine(refused) {
    var entry = document.createElement("li");
    var text = document.createElement("span");
    text.textContent = say("data-outbox-refused-line", {
      label: refused.label,
      when: outbox.time(refused.at, true),
      result: refused.why,
    });
    entry.appendChild(text);
    entry.append(" ", serverSaid(refused));
    if (againOffered(refused)) {
      entry.append(" ", settleButton(refused, "data-outbox-again", "again"));
    } else if (refused.action !== outbox.address(window.location.href)) {
      var link = document.createElement("a");
      link.href = refused.action;
      link.textContent = say("data-outbox-open");
      entry.append(" ", link);
    }
    entry.append(" ", settleButton(refused, "data-outbox-settled", "settled"));
    return entry;
  }

  // What the server made of the report: its record (a link), its refusal, or waiting.
  function serverSaid(refused) {
    if (refused.server) {
      var link = document.createElement("a");
      link.href = refused.server;
      link.className = "outbox-server";
      link.textContent = say("data-outbox-reported", { ref: refused.reference || "" });
      return link;
    }
    var note = document.createElement("span");
    note.className = "outbox-server";
    note.textContent = refused.unreported
      ? say("data-outbox-report-refused", { detail: refused.unreported })
      : say("data-outbox-reporting");
    return note;
  }

  // The refused ones this user kept, until each is settled: they keep the panel open.
  function refusedShow() {
    var refused = refusedList.load().filter(ours);
    var section = box.querySelector(".outbox-settle");
    var list = section.querySelector(".outbox-refused");
    list.textContent = "";
    refused.forEach(function (one) {
      list.appendChild(refusedLine(one));
    });
    section.querySelector(".outbox-settle-count").textContent = say("data-outbox-refused-count", { n: refused.length });
    section.hidden = !refused.length;
    if (refused.length) {
      box.hidden = false;
    }
  }

  // Return whether the refused one is kept apart, to settle, with why it was refused.
  function refusedKeep(kept, outcome) {
    return keptOnce(refusedList, {
      action: kept.action,
      fields: kept.fields,
      key: kept.key,
      label: kept.label,
      at: kept.at,
      user: kept.user,
      why: outcome.why,
      rules: outcome.rules,
    });
  }

  // Return whether `entry` is stored in `list` in place of any other with its key.
  function keptOnce(list, entry) {
    var others = list.load().filter(function (other) {
      return other.key !== entry.key;
    });
    others.push(entry);
    return list.store(others);
  }

  // Return whether the refusal is kept to report: the server must learn of it too.
  function reportKeep(kept, outcome) {
    return keptOnce(reports, {
      action: kept.action,
      fields: kept.fields,
      key: kept.key,
      at: kept.at,
      user: kept.user,
      why: outcome.why,
    });
  }

  // Note on the refused one (if still on this phone) what the server made of its report.
  function refusedMark(key, said) {
    var refused = refusedList.load();
    refused.forEach(function (one) {
      if (one.key === key) {
        Object.keys(said).forEach(function (name) {
          one[name] = said[name];
        });
      }
    });
    refusedList.store(refused);
  }

  // The household's number in its page's address: /aid/field/households/42/.
  function householdOf(action) {
    var found = /\/households\/(\d+)\/?$/.exec(action);
    return found ? found[1] : "";
  }

  function reportFrom(waiting, index) {
    var one = waiting[index];
    if (!one) {
      reporting = false;
      show();
      return;
    }
    var body = new URLSearchParams(one.fields);
    body.set("csrfmiddlewaretoken", box.getAttribute("data-csrf"));
    body.set("key", one.key);
    body.set("household", householdOf(one.action));
    body.set("handed_out_at", new Date(one.at).toISOString());
    body.set("reasons", one.why);
    var stop = function () {
      reporting = false; // no connection yet: the next round tries again
      show();
    };
    window
      .fetch(box.getAttribute("data-report-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (response.status >= 500) {
          reportFrom(waiting, index + 1); // kept, and sent again; the next meanwhile
          return null;
        }
        var json = /json/.test(response.headers.get("Content-Type") || "");
        if (!json || response.status === 403 || response.redirected) {
          box.dataset.problem = say("data-outbox-sign-in"); // the sign-in page, a stale token
          stop();
          return null;
        }
        return response.json().then(function (answer) {
          reports.drop(one.key);
          refusedMark(
            one.key,
            response.ok ? { server: answer.url, reference: answer.reference } : { unreported: answer.detail }
          );
          reportFrom(waiting, index + 1);
        });
      })
      .catch(stop);
  }

  function reportsSend() {
    var waiting = reports.load().filter(ours);
    if (reporting || !waiting.length) {
      return;
    }
    reporting = true;
    reportFrom(waiting, 0);
  }

  // Return the answer and its page; rejected when no answer came, or half of one.
  function post(to, body) {
    return window.fetch(to, { method: "POST", body: body, credentials: "same-origin" }).then(function (response) {
      return response.text().then(function (html) {
        return { response: response, page: new DOMParser().parseFromString(html, "text/html") };
      });
    });
  }

  // Return the household's reference and what it is given: "H-000042 · Water × 2".
  function label(form) {
    var lines = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name^='qty_']"), function (input) {
      var quantity = parseInt(input.value, 10);
      if (quantity > 0) {
        var name = input.labels && input.labels.length ? input.labels[0].textContent.trim() : input.name.slice(4);
        lines.push(name + " × " + quantity);
      }
    });
    return form.getAttribute("data-outbox-household") + " · " + lines.join(", ");
  }

  // What the form sends now, as it is kept: its fields, with no name or justification
  // (the texts that say so in `unkept`), and its key.
  function taken(form) {
    var fields = [];
    var unkept = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "idempotency_key") {
        return; // the page's own token goes with each send; the key is kept apart
      }
      if (UNKEPT[name]) {
        if (String(value).trim()) {
          unkept.push(say(UNKEPT[name]));
        }
        value = "";
      }
      fields.push([name, String(value)]);
    });
    return {
      kept: {
        action: outbox.address(form.getAttribute("action") || window.location.href),
        fields: fields,
        key: form.querySelector("[name=idempotency_key]").value,
        label: label(form),
        at: Date.now(),
        user: user,
      },
      unkept: unkept,
    };
  }

  // Ready for the next distribution: same warehouse, nothing given, a new key. What
  // the page said of the last one is not about the next.
  function reset(form) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (/^qty_/.test(element.name)) {
        element.value = "0";
      } else if (UNKEPT[element.name] || element.name === "confirmation_code") {
        element.value = "";
      }
    });
    form.querySelector("[name=idempotency_key]").value = outbox.newKey();
    settling = null;
    document.querySelectorAll("#main .messages, #refused, #" + FORM + " .error, #" + FORM + " .settle-note").forEach(function (said) {
      said.remove();
    });
    form.querySelectorAll(".has-error").forEach(function (field) {
      field.classList.remove("has-error");
    });
  }

  // Keep what the form sent. Not kept (storage off or full), the form holds it still,
  // key and all, and the panel says to record it once the connection is back.
  function keep(form, sent) {
    if (outbox.keep(box, sent.kept, say("data-outbox-not-kept"))) {
      if (settling !== null) {
        refusedList.drop(settling); // waiting again, and back here if refused again
      }
      reset(form);
      // What it was kept without is said until it is sent.
      show(sent.unkept.length ? { className: "kept", text: sent.unkept.join(" "), key: sent.kept.key } : null);
    } else {
      show();
    }
    box.scrollIntoView({ block: "nearest" });
  }

  // Said at the form, as app.js says it for a form sent with htmx.
  function failedSay(form, attribute) {
    var note = document.createElement("p");
    note.className = "write-failed error-box";
    note.setAttribute("role", "alert");
    note.textContent = document.body.getAttribute(attribute) || "";
    form.appendChild(note);
  }

  function signInAsked(response, page, action) {
    return page.body.hasAttribute("data-sign-in") || (response.redirected && outbox.address(response.url) !== action);
  }

  // This page as the answer has it (the message, the refusal, the form's errors, a
  // new form and key), but for this panel, which goes on saying what it said.
  function render(page) {
    var fresh = page.getElementById("main");
    var main = document.getElementById("main");
    if (!fresh || !main) {
      return false;
    }
    var copy = document.importNode(fresh, true);
    var panel = copy.querySelector("#outbox");
    if (panel) {
      panel.replaceWith(box);
    }
    main.replaceWith(copy);
    document.title = page.title;
    if (window.htmx) {
      window.htmx.process(copy);
    }
    var said = copy.querySelector("#refused, .error, .messages, #already-sent");
    if (said) {
      said.scrollIntoView({ block: "center" });
    }
    return true;
  }

  function submit(form) {
    var sent = taken(form);
    form.querySelectorAll(".write-failed").forEach(function (note) {
      note.remove();
    });
    if (navigator.onLine === false) {
      keep(form, sent); // no connection: do not even try
      return;
    }
    submitting = true;
    post(sent.kept.action, new URLSearchParams(new FormData(form))).then(
      function (answer) {
        submitting = false;
        if (answer.response.status >= 500) {
          failedSay(form, "data-server-failed");
        } else if (signInAsked(answer.response, answer.page, sent.kept.action)) {
          ordinary = true;
          form.requestSubmit(); // its submit event comes at once, and is let through
          ordinary = false;
        } else if (!render(answer.page)) {
          failedSay(form, "data-refused");
        } else {
          if (settling !== null && recorded(answer.response, answer.page)) {
            refusedList.drop(settling);
            settling = null;
          }
          show();
        }
      },
      function () {
        submitting = false;
        keep(form, sent); // no answer, or half of one
      }
    );
  }

  // Captured before app.js's listener, which then sees the submit prevented and keeps
  // no copy of the form in sessionStorage: one kept here is sent from here.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form.id !== FORM) {
        return;
      }
      if (ordinary) {
        return;
      }
      event.preventDefault();
      if (!submitting) {
        submit(form);
      }
    },
    true
  );

  // Return the reasons an answer gives: the double-dipping rules broken, the form's
  // errors (with their field), or the page's heading (a household no longer in the
  // team's settlements: not found).
  function reasons(page) {
    var found = page.querySelectorAll("#refused li, #" + FORM + " .error");
    return Array.prototype.map.call(found, function (reason) {
      var field = reason.closest(".field");
      var name = field ? field.querySelector("label") : null;
      return (name ? name.textContent.trim() + ": " : "") + reason.textContent.trim();
    });
  }

  // Return whether the answer says the distribution is recorded, now or before.
  function recorded(response, page) {
    // The key's first request was recorded: with the name this copy is sent without
    // (access.idempotency keeps only a success's answer, and refuses the same key
    // for another request), or longer ago than its answer is kept (the key is
    // remembered a month): recorded then, once.
    var before = page.getElementById("already-sent") !== null;
    var replayed = response.headers.get("Idempotent-Replayed") === "true";
    return before || ((response.ok || replayed) && !reasons(page).length);
  }

  // What came of a kept distribution: recorded, or refused with why (`why`), and
  // whether the double-dipping rules refused it (`rules`).
  function result(kept, response, page) {
    if (recorded(response, page)) {
      return { className: "done", text: say("data-outbox-sent", { label: kept.label }) };
    }
    var why = reasons(page);
    var heading = page.querySelector("#main h1");
    if (!why.length) {
      why.push(heading ? heading.textContent.trim() : String(response.status));
    }
    return {
      className: "error",
      text: say("data-outbox-refused", { label: kept.label, result: why.join(" ") }),
      why: why.join(" "),
      rules: page.getElementById("refused") !== null,
    };
  }

  // This household's page shows what it was given, as the answer has it.
  function householdShow(kept, page) {
    if (kept.action !== outbox.address(window.location.href)) {
      return;
    }
    ["entitlements", "received"].forEach(function (id) {
      var fresh = page.getElementById(id);
      var here = document.getElementById(id);
      if (fresh && here) {
        here.replaceWith(document.importNode(fresh, true));
      }
    });
  }

  function sendFrom(waiting, index) {
    var kept = waiting[index];
    if (!kept) {
      sending = false;
      show();
      reportsSend();
      return;
    }
    var body = new URLSearchParams(kept.fields);
    body.set("csrfmiddlewaretoken", box.getAttribute("data-csrf"));
    body.set("idempotency_key", kept.key);
    post(kept.action, body).then(
      function (answer) {
        var response = answer.response;
        if (response.status >= 500) {
          serverFailed[kept.key] = true; // kept, and tried again; the next meanwhile
          sendFrom(waiting, index + 1);
          return;
        }
        if (response.status === 403 || signInAsked(response, answer.page, kept.action)) {
          box.dataset.problem = say("data-outbox-sign-in"); // so would the next ones be
          sending = false;
          show();
          return;
        }
        var outcome = result(kept, response, answer.page);
        // A refused one leaves the outbox only once kept apart to settle and to report:
        // where the phone cannot keep it so, it stays, and is refused again, but is not
        // lost.
        if (outcome.className === "done" || (reportKeep(kept, outcome) && refusedKeep(kept, outcome))) {
          outbox.drop(kept.key);
        }
        delete serverFailed[kept.key];
        if (box.dataset.problem === say("data-outbox-sign-in")) {
          delete box.dataset.problem;
        }
        householdShow(kept, answer.page);
        show(outcome);
        sendFrom(waiting, index + 1);
      },
      function () {
        sending = false; // no connection yet: the next try starts again from the first
        show();
      }
    );
  }

  function send() {
    reportsSend();
    var waiting = outbox.load().filter(ours);
    if (sending || !waiting.length) {
      return;
    }
    sending = true;
    sendFrom(waiting, 0);
  }

  // Put a refused one back in the form: its warehouse, quantities and code (the name
  // and a justification were never kept), for the person settling it to check and
  // record. Recorded, it leaves the list of refused ones.
  function again(refused) {
    var form = formHere();
    reset(form);
    refused.fields.forEach(function (field) {
      var element = form.elements.namedItem(field[0]);
      if (element && !UNKEPT[field[0]]) {
        element.value = field[1];
      }
    });
    settling = refused.key;
    var note = document.createElement("p");
    note.className = "settle-note warn-box";
    note.setAttribute("role", "status");
    note.textContent = say("data-outbox-again-note", { label: refused.label, when: outbox.time(refused.at, true) });
    form.prepend(note);
    var next = form.elements.namedItem(refused.rules ? "override_reason" : "warehouse");
    (next || form).scrollIntoView({ block: "center" });
    if (next) {
      next.focus();
    }
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-settle]");
    if (!button) {
      return;
    }
    var key = button.getAttribute("data-key");
    var refused = refusedList.load().filter(function (one) {
      return one.key === key && ours(one);
    })[0];
    if (refused && button.getAttribute("data-settle") === "again" && againOffered(refused)) {
      again(refused);
    } else if (button.getAttribute("data-settle") === "settled") {
      refusedList.drop(key);
      if (settling === key) {
        settling = null;
        document.querySelectorAll("#" + FORM + " .settle-note").forEach(function (note) {
          note.remove();
        });
      }
    }
    show();
  });

  // Refused ones a phone kept before it reported them (an older version of this
  // script) are reported now, so that none stays known to this phone only.
  function reportsBackfill() {
    var waiting = reports.load().map(function (one) {
      return one.key;
    });
    refusedList.load().filter(ours).forEach(function (one) {
      if (!one.server && !one.unreported && waiting.indexOf(one.key) < 0) {
        reportKeep(one, one);
      }
    });
  }

  reportsBackfill();
  window.addEventListener("online", send);
  window.setInterval(send, RETRY_MS);
  show();
  send();
})();
