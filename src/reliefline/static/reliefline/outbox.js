/* What the pages that keep unsent writes on the phone share (evacuation/outbox.js,
 * aid/outbox.js): a list in localStorage under the page's own name, fresh
 * idempotency keys, texts from data-* attributes, and the panel that lists what
 * waits and what came of it:
 *
 *   <div id="outbox" class="outbox" hidden>
 *     <p class="outbox-count" role="status"></p> <ul class="outbox-waiting"></ul>
 *     <p class="outbox-problem" role="alert"></p> <ul class="outbox-sent"></ul>
 *   </div>
 *
 * Loaded before the page's own outbox script. No inline script. */
window.relieflineOutbox = function (name) {
  "use strict";

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(name) || "[]");
    } catch (error) {
      return [];
    }
  }

  // Return whether the list is stored: not when storage is off or full.
  function store(items) {
    try {
      if (items.length) {
        window.localStorage.setItem(name, JSON.stringify(items));
      } else {
        window.localStorage.removeItem(name);
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  // Return whether the item is kept. Not kept, the panel's problem is `notKept` (the
  // page's words for it) until an item is kept again.
  function keep(panel, item, notKept) {
    var items = load();
    items.push(item);
    var kept = store(items);
    if (!kept) {
      panel.dataset.problem = notKept;
    } else if (panel.dataset.problem === notKept) {
      delete panel.dataset.problem;
    }
    return kept;
  }

  // Take the item of this key off the list: answered, it is the server's now.
  function drop(key) {
    return store(load().filter(function (other) {
      return other.key !== key;
    }));
  }

  // Return the path a form's action or an answer's URL names, as kept marks compare it.
  function address(path) {
    return new URL(path, window.location.href).pathname;
  }

  // Return a key as {% idempotency_field %} gives one (access.idempotency.key_parse).
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

  // Return the element's translated text, its %(name)s placeholders filled.
  function say(element, attribute, values) {
    var text = element.getAttribute(attribute) || "";
    Object.keys(values || {}).forEach(function (placeholder) {
      text = text.replace("%(" + placeholder + ")s", values[placeholder]);
    });
    return text;
  }

  // Return when `at` was, "22:40" (with its date when `dated`, "2026-11-27 22:40"), as
  // the staff pages and the server's messages write times (Y-m-d H:i), on the
  // operation's clock, <html data-time-zone> (settings.TIME_ZONE): the phone's own clock
  // may be set to another zone, and the same distribution would read 20:45 here and
  // 19:45 on its household's page. A browser that does not know the zone (Europe/Kyiv
  // is from 2022) shows the phone's clock, naming it.
  function time(at, dated) {
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (dated) {
      options.year = "numeric";
      options.month = "2-digit";
      options.day = "2-digit";
    }
    var zone = document.documentElement.getAttribute("data-time-zone");
    // Only the numbers are taken, so the locale only makes them Latin digits.
    var format;
    try {
      format = new Intl.DateTimeFormat("en-US", Object.assign({ timeZone: zone || undefined }, options));
    } catch (error) {
      // a RangeError: the zone is unknown to this browser
      options.timeZoneName = "short";
      format = new Intl.DateTimeFormat("en-US", options);
    }
    var part = {};
    format.formatToParts(new Date(at)).forEach(function (one) {
      part[one.type] = one.value;
    });
    var text = part.hour + ":" + part.minute;
    if (dated) text = part.year + "-" + part.month + "-" + part.day + " " + text;
    return part.timeZoneName ? text + " " + part.timeZoneName : text;
  }

  // Show what waits (`count` over one line per item, `line(item)`), the problem kept
  // in panel.dataset.problem, and a note ({className, text}) on top of what came of
  // earlier ones. A note about an item that waits names its key ({key}): it replaces
  // an earlier note of that item, and goes once the item no longer waits (what came of
  // it is said then). The panel hides when it has nothing to say.
  function show(panel, waiting, count, line, note) {
    panel.querySelector(".outbox-count").textContent = waiting.length ? count : "";
    var list = panel.querySelector(".outbox-waiting");
    list.textContent = "";
    waiting.forEach(function (item) {
      var entry = document.createElement("li");
      entry.textContent = line(item);
      list.appendChild(entry);
    });
    var sent = panel.querySelector(".outbox-sent");
    var keys = waiting.map(function (item) {
      return item.key;
    });
    Array.prototype.forEach.call(sent.querySelectorAll("li[data-key]"), function (earlier) {
      var key = earlier.getAttribute("data-key");
      if (keys.indexOf(key) < 0 || (note && note.key === key)) {
        earlier.remove();
      }
    });
    if (note && (!note.key || keys.indexOf(note.key) >= 0)) {
      var said = document.createElement("li");
      said.className = note.className;
      said.textContent = note.text;
      if (note.key) {
        said.setAttribute("data-key", note.key);
      }
      sent.prepend(said);
    }
    panel.querySelector(".outbox-problem").textContent = panel.dataset.problem || "";
    panel.hidden =
      !waiting.length && !panel.dataset.problem && !sent.querySelector("li");
  }

  return {
    load: load,
    store: store,
    keep: keep,
    drop: drop,
    address: address,
    newKey: newKey,
    say: say,
    time: time,
    show: show,
  };
};
