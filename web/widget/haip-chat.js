/*
 * The HAI pump assistant's chat widget. One tag puts it on a page:
 *
 *   <script src="https://assistant.example.org/widget/haip-chat.js" defer
 *           data-clinic-name="Lakeside Cancer Center"
 *           data-color-primary="#0b5394"></script>
 *
 * Its words (labels, status lines, screen-reader texts) come from
 * content/widget.yml through widget/config.json, in each language the assistant
 * speaks; the patient chooses the language with the button in the title bar.
 *
 * Settings (all optional, see README "Put the chat on your website"):
 *   data-server-url       where the assistant's web server is (default: where this file came from)
 *   data-clinic-name      shown in the chat's title (default: clinic_name in content/clinic.yml)
 *   data-color-primary    title bar, buttons and the patient's messages
 *   data-color-assistant  background of the assistant's messages
 *   data-open             "true" opens the chat when the page loads
 *
 * Bot text is never put into the page as HTML. It is shown as text, with only
 * this safe subset made live: paragraphs and line breaks, **bold**, web links
 * (http and https only: "[Penn Medicine](https://...)" labelled with its text,
 * a bare address with the site's name) and US phone numbers and 911 as
 * tap-to-call links. A line of links only ("Sources: [A](https://...), [B](...)",
 * the sources under an answer) is shown as a small line of its own.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.HaipChat) return;

  var STORAGE_SENDER = "haip-chat-sender";
  // The language the patient chose, kept beside the chat id.
  var STORAGE_LANGUAGE = "haip-chat-language";
  // When the patient last wrote: the chat id is dropped once that is older
  // than the clinic's chat_id_days, as the server refuses it then.
  var STORAGE_LAST = "haip-chat-last";
  var DAY_MS = 24 * 60 * 60 * 1000;
  var STORAGE_OPEN = "haip-chat-open";
  var REPLY_WAIT_MS = 30000;
  var CATCH_UP_WINDOW = 20; // the page's last messages lined up with the history after a reconnect
  var DEFAULT_PRIMARY = "#0b5394";
  var DEFAULT_ASSISTANT = "#eef1f4";

  // Only for when widget/config.json cannot be fetched (it carries every other
  // word, from content/widget.yml): without it there is no chat to label, only
  // this to say, and a way to close the panel.
  var FALLBACK = {
    launcher: "Questions about your pump? Chat with us",
    title: "Pump questions",
    close: "Close chat",
    emergency: "In an emergency, call 911.",
    could_not_start: "Sorry, the chat could not start. Please try again later.",
  };
  var labels = {}; // the shown language's words, from the config
  var language = "en"; // the shown language's code

  /** A label in the shown language, with its placeholders filled in. */
  function t(key, values) {
    var text = labels[key] || FALLBACK[key] || "";
    return text.replace(/\{([A-Za-z_]+)\}/g, function (whole, name) {
      return values && values[name] != null ? String(values[name]) : whole;
    });
  }

  var server = new URL(script.getAttribute("data-server-url") || new URL("../", script.src).href,
    location.href).href.replace(/\/?$/, "/");

  // ---- the safe subset -------------------------------------------------
  // "[label](https://...)": http and https only; anything else stays text.
  var MARKDOWN_LINK = "\\[([^\\[\\]\\n]{1,200})\\]\\((https?:\\/\\/[^\\s()<>\"]+)\\)";
  var TOKEN = new RegExp(
    [
      MARKDOWN_LINK, // 1, 2: [label](web link)
      "\\*\\*([^*\\n]{1,200})\\*\\*", // 3: **bold**
      "(https?:\\/\\/[^\\s<>\"]+)", // 4: web link
      "(\\(\\d{3}\\) \\d{3}-\\d{4}|\\b\\d{3}-\\d{3}-\\d{4}\\b)", // 5: phone number
      "\\b(911)\\b", // 6: emergency number
    ].join("|"),
    "g"
  );
  // A short label, then only links: "Sources: [A](https://...), [B](https://...)".
  var SOURCES_LINE = new RegExp(
    "^[^\\[\\]\\n:]{1,40}: " + MARKDOWN_LINK + "(, " + MARKDOWN_LINK + ")*$"
  );

  function link(href, label, external) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    if (external) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var note = document.createElement("span");
      note.className = "haip-sr";
      labelled(note, "new_tab", " ");
      a.appendChild(note);
    }
    return a;
  }

  // Long addresses are hard to read aloud or on a phone: show the site's name.
  function linkLabel(url) {
    try {
      return new URL(url).hostname.replace(/^www\./, "");
    } catch (e) {
      return url;
    }
  }

  function appendInline(parent, text) {
    var last = 0;
    TOKEN.lastIndex = 0;
    var match;
    while ((match = TOKEN.exec(text))) {
      var token = match[0];
      var end = match.index + token.length;
      if (match[4]) {
        // A sentence's own punctuation is not part of the link.
        var trimmed = match[4].replace(/[.,;:!?)\]]+$/, "");
        end = match.index + trimmed.length;
        token = trimmed;
      }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1]) {
        parent.appendChild(link(match[2], match[1], true));
      } else if (match[3]) {
        var strong = document.createElement("strong");
        strong.textContent = match[3];
        parent.appendChild(strong);
      } else if (match[4]) {
        parent.appendChild(link(token, linkLabel(token), true));
      } else {
        var digits = token.replace(/\D/g, "");
        parent.appendChild(link("tel:" + (digits.length === 10 ? "+1" : "") + digits, token, false));
      }
      last = end;
      TOKEN.lastIndex = end;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Bot text as DOM nodes: text nodes and the safe subset, never parsed HTML. */
  function renderText(text) {
    var fragment = document.createDocumentFragment();
    String(text || "")
      .split(/\n{2,}/)
      .forEach(function (paragraph) {
        var p = null;
        paragraph.split("\n").forEach(function (line) {
          if (SOURCES_LINE.test(line)) {
            // The sources under an answer: a small line in the same bubble.
            var sources = document.createElement("p");
            sources.className = "haip-sources";
            appendInline(sources, line);
            fragment.appendChild(sources);
            p = null;
            return;
          }
          if (p) {
            p.appendChild(document.createElement("br"));
          } else {
            p = document.createElement("p");
            fragment.appendChild(p);
          }
          appendInline(p, line);
        });
      });
    return fragment;
  }

  // ---- colours: text on a colour is black or white, whichever reads better --
  function luminance(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    return [0, 2, 4]
      .map(function (i) {
        var c = parseInt(m[1].slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      })
      .reduce(function (sum, c, i) {
        return sum + c * [0.2126, 0.7152, 0.0722][i];
      }, 0);
  }

  function textOn(background) {
    var l = luminance(background);
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /**
   * Softer text on a colour (the sources line): the text colour mixed towards
   * the background, as far as it keeps at least 7:1 (never under 4.5:1, AA).
   */
  function mutedOn(background) {
    var text = textOn(background);
    var from = parseInt(text.slice(1), 16);
    var to = parseInt(background.replace("#", ""), 16);
    for (var share = 0.6; share < 1; share += 0.05) {
      var mixed = "#" + [16, 8, 0]
        .map(function (shift) {
          var c = Math.round(((from >> shift) & 255) * share + ((to >> shift) & 255) * (1 - share));
          return (c < 16 ? "0" : "") + c.toString(16);
        })
        .join("");
      if (contrast(mixed, background) >= 7) return mixed;
    }
    return text;
  }

  function colour(name, fallback) {
    var value = script.getAttribute(name);
    if (value && luminance(value) === null) {
      console.warn("haip-chat: " + name + " must be a colour like #0b5394; using " + fallback);
      value = null;
    }
    return value || fallback;
  }

  // ---- building the widget ---------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /**
   * Marks a node's text (or, with `attribute`, that attribute) as the label
   * `key`, so that showLabels() puts it in the chosen language; `before` and
   * `after` go around it (the space between a link and its screen-reader note).
   */
  function labelled(node, key, before, attribute, after) {
    node.setAttribute("data-haip-label", key);
    if (before) node.setAttribute("data-haip-before", before);
    if (after) node.setAttribute("data-haip-after", after);
    if (attribute) node.setAttribute("data-haip-attribute", attribute);
    fillLabel(node);
    return node;
  }

  function fillLabel(node) {
    var text =
      (node.getAttribute("data-haip-before") || "") +
      t(node.getAttribute("data-haip-label")) +
      (node.getAttribute("data-haip-after") || "");
    var attribute = node.getAttribute("data-haip-attribute");
    if (attribute) node.setAttribute(attribute, text);
    else node.textContent = text;
  }

  var root = el("div", "haip-chat");
  root.lang = language;
  // Shown once the config has said which language and words (or failed).
  root.hidden = true;
  var primary = colour("data-color-primary", DEFAULT_PRIMARY);
  var assistantColour = colour("data-color-assistant", DEFAULT_ASSISTANT);
  root.style.setProperty("--haip-primary", primary);
  root.style.setProperty("--haip-on-primary", textOn(primary));
  root.style.setProperty("--haip-assistant", assistantColour);
  root.style.setProperty("--haip-on-assistant", textOn(assistantColour));
  root.style.setProperty("--haip-muted-on-assistant", mutedOn(assistantColour));

  var launcher = el("button", "haip-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "haip-panel");
  var launcherLabel = labelled(el("span"), "launcher");
  var badge = el("span", "haip-badge");
  badge.hidden = true;
  launcher.append(launcherLabel, badge);

  var panel = el("section", "haip-panel");
  panel.id = "haip-panel";
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "haip-title");

  var header = el("div", "haip-header");
  var title = el("h2", "haip-title");
  title.id = "haip-title";
  // The other language, named in itself and marked as such for screen readers.
  var switcher = el("button", "haip-language");
  switcher.type = "button";
  switcher.hidden = true;
  var close = labelled(el("button", "haip-close"), "close");
  close.type = "button";
  header.append(title, switcher, close);

  // 911 (and any phone number in the label) as a tap-to-call link.
  var emergency = el("p", "haip-emergency");

  var log = labelled(el("div", "haip-log"), "messages", "", "aria-label");
  log.setAttribute("role", "log");
  log.tabIndex = 0;

  var typing = el("p", "haip-typing");
  typing.hidden = true;
  typing.append(el("span", "haip-dots"), labelled(el("span"), "typing"));

  var status = el("p", "haip-status");
  status.setAttribute("role", "status");

  var form = el("form", "haip-form");
  var label = labelled(el("label", "haip-label"), "input");
  label.htmlFor = "haip-input";
  var input = el("textarea", "haip-input");
  input.id = "haip-input";
  input.rows = 2;
  input.autocomplete = "off";
  // Far more than a question needs; the server keeps no more than 20,000 characters.
  input.maxLength = 4000;
  var send = labelled(el("button", "haip-send"), "send");
  send.type = "submit";
  var row = el("div", "haip-row");
  row.append(input, send);
  form.append(label, row);

  // For a shared or lost device: nothing of this chat stays in the browser.
  var forget = labelled(el("button", "haip-forget"), "forget");
  forget.type = "button";

  panel.append(header, emergency, log, typing, status, form, forget);

  // Heard by screen readers: a reminder arriving while the chat is closed, that
  // the chat has ended, or the language it is now in (the status line above is
  // cleared by the next message, which may come at once).
  var closedNotice = el("p", "haip-sr");
  closedNotice.setAttribute("role", "status");
  root.append(launcher, panel, closedNotice);

  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = server + "widget/haip-chat.css";

  // ---- state -------------------------------------------------------------
  var config = null;
  var socket = null;
  var senderId = safeGet(localStorage, STORAGE_SENDER);
  var confirmed = false; // the server has confirmed senderId on this connection
  var farewell = ""; // what the assistant said as this device forgot the last chat
  var historyShown = false;
  var unread = 0;
  var waitTimer = null;
  var queued = null; // messages that arrive while the history is loading
  var assistantShown = []; // keys of the assistant's messages on the page, newest last

  function safeGet(storage, key) {
    try {
      return storage.getItem(key);
    } catch (e) {
      return null; // storage blocked: the chat still works, without reload history
    }
  }

  function safeSet(storage, key, value) {
    try {
      storage.setItem(key, value);
    } catch (e) {
      /* see safeGet */
    }
  }

  function safeRemove(storage, key) {
    try {
      storage.removeItem(key);
    } catch (e) {
      /* see safeGet */
    }
  }

  function notePatientActivity() {
    safeSet(localStorage, STORAGE_LAST, String(Date.now()));
  }

  /** The stored chat id is older than the clinic allows (no time stored: keep it, the server decides). */
  function chatIdTooOld(days) {
    var last = Number(safeGet(localStorage, STORAGE_LAST));
    return Boolean(days && last && Date.now() - last > days * DAY_MS);
  }

  function forgetChatId() {
    safeRemove(localStorage, STORAGE_SENDER);
    safeRemove(localStorage, STORAGE_LAST);
    senderId = null;
  }

  function setStatus(text) {
    status.textContent = text || "";
  }

  function phoneHint() {
    return config && config.phone_main ? " " + t("phone_hint", { phone_main: config.phone_main }) : "";
  }

  function showTyping(on) {
    typing.hidden = !on;
    clearTimeout(waitTimer);
    if (on) {
      waitTimer = setTimeout(function () {
        typing.hidden = true;
        setStatus(t("no_answer_yet") + phoneHint());
      }, REPLY_WAIT_MS);
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // The first reply to the patient's latest message: a turn's replies show
  // from its first line, however long they are (a phone, 200% zoom).
  var turnStart = null;
  var replyPending = true;

  function place(item, fromPatient, live) {
    if (fromPatient || !live) {
      replyPending = !live || fromPatient;
      turnStart = null;
      return scrollToEnd();
    }
    if (replyPending) {
      replyPending = false;
      turnStart = item;
    }
    // As far down as the turn's replies go, never past the first line of its first.
    var firstLine =
      log.scrollTop + turnStart.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop = Math.min(log.scrollHeight - log.clientHeight, Math.max(0, firstLine - 8));
  }

  function calendarLink(custom) {
    if (custom.type !== "calendar" || custom.mime_type !== "text/calendar") return null;
    var blob = new Blob([String(custom.content || "")], { type: "text/calendar" });
    var a = link(URL.createObjectURL(blob), String(custom.label || t("calendar")), false);
    a.download = String(custom.filename || "calendar.ics").replace(/[^\w.-]/g, "_");
    a.className = "haip-file";
    return a;
  }

  /**
   * Adds a message to the log. `live`: it arrives now (not from the history of
   * a reload), so urgent guidance is announced at once.
   */
  function addMessage(message, live) {
    var fromPatient = message.from === "patient";
    var item = el("div", "haip-msg " + (fromPatient ? "haip-msg--patient" : "haip-msg--assistant"));
    // A reply says its language; otherwise the one shown (the conversation's).
    // A message keeps its language, and its screen-reader words, when the
    // patient changes it later.
    item.lang = /^[a-z]{2}$/.test(message.language || "") ? message.language : language;
    var said = fromPatient ? "you_said" : "assistant_said";
    item.appendChild(labelled(el("span", "haip-sr"), said, "", "", " "));
    var bubble = el("div", "haip-bubble");
    if (fromPatient) {
      bubble.textContent = message.text;
    } else {
      bubble.appendChild(renderText(message.text));
    }
    if (message.urgent && !fromPatient) {
      // Urgent guidance cannot be taken for an ordinary answer: its own style,
      // a heading, its phone numbers as large buttons, and read out at once.
      item.className += " haip-msg--urgent";
      var heading = labelled(el("p", "haip-urgent-heading"), "urgent_heading");
      bubble.insertBefore(heading, bubble.firstChild);
      if (live === true) item.setAttribute("role", "alert");
    }
    if (message.text) item.appendChild(bubble);
    if (message.custom) {
      var file = calendarLink(message.custom);
      if (file) item.appendChild(file);
    }
    if (message.buttons && message.buttons.length) {
      var group = el("div", "haip-buttons");
      group.setAttribute("role", "group");
      labelled(group, "suggested_topics", "", "aria-label");
      message.buttons.forEach(function (b) {
        var button = el("button", "haip-choice", b.title);
        button.type = "button";
        button.addEventListener("click", function () {
          say(b.title, b.payload);
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    place(item, fromPatient, live === true);
    if (!fromPatient) {
      assistantShown.push(messageKey(message));
      if (assistantShown.length > CATCH_UP_WINDOW) assistantShown.shift();
    }
  }

  // The same message has the same key live and in the history: its text part
  // (Rasa's socket.io channel splits at blank lines, and so does the history)
  // and whether it carries a calendar.
  function messageKey(message) {
    return (message.text || "").trim() + (message.custom ? "\u0000custom" : "");
  }

  /**
   * The assistant's messages in `history` that this page never got (sent while
   * the connection was down): those after the latest place where the history
   * agrees with the page's last messages. With no such place (a new session),
   * all of them.
   */
  function unseen(history) {
    var theirs = history.filter(function (m) {
      return m.from !== "patient";
    });
    var keys = theirs.map(messageKey);
    for (var end = keys.length; end > 0; end--) {
      var n = Math.min(end, assistantShown.length);
      var same = n > 0;
      for (var i = 1; same && i <= n; i++) {
        same = keys[end - i] === assistantShown[assistantShown.length - i];
      }
      if (same) return theirs.slice(end);
    }
    return theirs;
  }

  function fromBot(data) {
    var message = { from: "assistant", text: data.text || "", buttons: data.buttons || [] };
    if (data.custom) message.custom = data.custom;
    // Marks the assistant puts on a reply (bot/rasa/channels.py).
    if (data.urgent === true) message.urgent = true;
    if (typeof data.language === "string") message.language = data.language;
    if (data.quick_replies) message.buttons = message.buttons.concat(data.quick_replies);
    return message;
  }

  function onBotMessage(data) {
    if (data && data.custom && data.custom.type === "forget_device") {
      return forgetNow(String(data.custom.text || ""));
    }
    if (queued) return queued.push(data); // shown after the history, in order
    showTyping(false);
    setStatus("");
    addMessage(fromBot(data || {}), true);
    if (panel.hidden) {
      unread += 1;
      badge.textContent = t("unread", { count: unread });
      badge.hidden = false;
      closedNotice.textContent = t("new_message");
    }
  }

  /** Sends what the patient typed or clicked; `payload` is a button's. */
  function say(text, payload) {
    if (!socket || !socket.connected || !confirmed) {
      setStatus(t("not_connected") + phoneHint());
      return false;
    }
    addMessage({ from: "patient", text: text }, true);
    socket.emit("user_uttered", { session_id: senderId, message: payload || text });
    notePatientActivity();
    setStatus("");
    showTyping(true);
    return true;
  }

  function loadHistory() {
    return fetch(server + "api/history/" + encodeURIComponent(senderId), { credentials: "omit" })
      .then(function (r) {
        return r.ok ? r.json() : { messages: [] };
      })
      .catch(function () {
        return { messages: [] };
      });
  }

  /** The opening payload, with the language if the patient chose one. */
  function startPayload() {
    var chosen = safeGet(localStorage, STORAGE_LANGUAGE);
    return (chosen && config.language_payloads[chosen]) || config.start_payload;
  }

  function startConversation() {
    languageUntold = false; // the opening payload carries it
    socket.emit("user_uttered", { session_id: senderId, message: startPayload() });
    notePatientActivity();
    showTyping(true);
  }

  function clearLog() {
    log.textContent = "";
    assistantShown = [];
    queued = null;
  }

  function onSessionConfirm(id) {
    var known = senderId === id;
    senderId = id;
    confirmed = true;
    safeSet(localStorage, STORAGE_SENDER, id);
    setStatus("");
    // A new id (first visit, ended chat, or an old id the server refused): a
    // new conversation, and nothing of another one on the page.
    if (!known) {
      historyShown = true;
      clearLog();
      showFarewell();
      farewell = "";
      return startConversation();
    }
    if (historyShown) {
      catchUp(false); // a reconnect
    } else {
      historyShown = true;
      catchUp(true);
    }
    // After catchUp: its welcome waits for the history, and comes after it.
    if (languageUntold) tellLanguage();
  }

  /**
   * After a reload, shows the conversation so far; after a reconnect, what the
   * assistant said while the connection was down (a refill reminder, say).
   */
  function catchUp(reloaded) {
    var forId = senderId;
    queued = [];
    loadHistory().then(function (data) {
      if (senderId !== forId) return; // the chat ended meanwhile
      var arrived = queued;
      queued = null;
      if (reloaded && !data.messages.length && !arrived.length) return startConversation();
      if (reloaded) data.messages.forEach(addMessage);
      else unseen(data.messages).forEach(onBotMessage);
      // A message may be in both the history and the live stream: show it once.
      var recent = data.messages.slice(-arrived.length - 1).map(messageKey);
      arrived
        .filter(function (m) {
          return recent.indexOf(messageKey(m)) < 0;
        })
        .forEach(onBotMessage);
    });
  }

  function connect() {
    if (socket) return;
    // WebSocket only: Rasa's socket.io channel sends no CORS headers, so the
    // long-polling start would be refused on any page not served by Rasa itself.
    socket = window.io(config.socket_url, { transports: ["websocket"], withCredentials: false });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: senderId });
    });
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      confirmed = false;
      showTyping(false);
      if (reason === "io client disconnect") return; // the patient ended the chat
      setStatus(t("connection_lost") + phoneHint());
    });
    socket.on("connect_error", function () {
      setStatus(t("cannot_reach") + phoneHint());
    });
  }

  // ---- the language ------------------------------------------------------
  var clinicName = script.getAttribute("data-clinic-name");
  var languageUntold = false; // chosen while the assistant could not be told

  /** Every word of the widget in `code`, and the page told so (lang). */
  function showLabels(code) {
    language = code;
    labels = (config && config.labels[code]) || {};
    root.lang = code;
    panel.lang = code;
    Array.prototype.forEach.call(root.querySelectorAll("[data-haip-label]"), function (node) {
      if (!node.closest(".haip-msg")) fillLabel(node); // a message keeps its language
    });
    var name = clinicName || (config && config.clinic_name);
    title.textContent = name ? t("title_with_clinic", { clinic_name: name }) : t("title");
    emergency.textContent = "";
    appendInline(emergency, t("emergency"));
    if (unread) badge.textContent = t("unread", { count: unread });
    showSwitcher();
  }

  /** The next language the assistant speaks, named in itself. */
  function otherLanguage() {
    var codes = (config ? config.languages : []).map(function (l) {
      return l.code;
    });
    if (codes.length < 2) return null;
    return config.languages[(codes.indexOf(language) + 1) % codes.length];
  }

  function showSwitcher() {
    var other = otherLanguage();
    switcher.hidden = !other;
    if (!other) return;
    switcher.textContent = "";
    var name = el("span", "", other.name);
    name.lang = other.code;
    switcher.appendChild(name);
  }

  /** The assistant answers in the chosen language from now on, with a welcome in it. */
  function tellLanguage() {
    languageUntold = false;
    socket.emit("user_uttered", { session_id: senderId, message: config.language_payloads[language] });
    notePatientActivity();
    showTyping(true);
  }

  function chooseLanguage() {
    var other = otherLanguage();
    if (!other) return;
    safeSet(localStorage, STORAGE_LANGUAGE, other.code);
    showLabels(other.code);
    closedNotice.textContent = t("language_chosen");
    if (socket && socket.connected && confirmed) tellLanguage();
    else languageUntold = Boolean(senderId); // a new chat starts in it anyway
    switcher.focus();
  }

  // ---- opening and closing ---------------------------------------------
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    unread = 0;
    badge.hidden = true;
    closedNotice.textContent = "";
    safeSet(sessionStorage, STORAGE_OPEN, "1");
    if (config) connect();
    scrollToEnd();
    input.focus();
  }

  function shut() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    safeSet(sessionStorage, STORAGE_OPEN, "0");
    launcher.focus();
  }

  /**
   * The "forget this device" button. The assistant is asked first (a hidden
   * payload, actions/forget.py): with a refill reminder set it asks what should
   * happen to it, and tells the chat to forget only once that is settled. With
   * no connection there is nothing to ask, and the chat is forgotten at once.
   */
  function endChat() {
    if (socket && socket.connected && senderId && confirmed) {
      socket.emit("user_uttered", { session_id: senderId, message: "/forget_device" });
      showTyping(true);
      return;
    }
    forgetNow("");
  }

  /** The assistant's last word on a forgotten chat, above the new one's welcome. */
  function showFarewell() {
    if (!farewell) return;
    var note = el("p", "haip-note");
    note.textContent = farewell;
    log.appendChild(note);
  }

  /** A fresh conversation under a new id; `said` is the assistant's last word on it. */
  function forgetNow(said) {
    forgetChatId();
    clearLog();
    showTyping(false);
    setStatus("");
    closedNotice.textContent = t("chat_ended");
    farewell = said;
    showFarewell();
    if (socket) {
      // A new connection asks for a new id (senderId is empty now).
      socket.disconnect();
      socket.connect();
    }
  }

  launcher.addEventListener("click", open);
  switcher.addEventListener("click", chooseLanguage);
  forget.addEventListener("click", endChat);
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") shut();
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) {
      setStatus(t("empty_question"));
      input.focus();
      return;
    }
    if (say(text)) input.value = "";
    input.focus();
  });

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  /** The widget on screen, in the chosen language; opened if the page or the tab asks. */
  function reveal() {
    var chosen = safeGet(localStorage, STORAGE_LANGUAGE);
    showLabels(config && config.labels[chosen] ? chosen : config ? config.languages[0].code : "en");
    root.hidden = false;
    if (script.getAttribute("data-open") === "true" || safeGet(sessionStorage, STORAGE_OPEN) === "1") {
      open();
    }
  }

  function start() {
    document.head.appendChild(stylesheet);
    document.body.appendChild(root);
    Promise.all([
      fetch(server + "widget/config.json", { credentials: "omit" }).then(function (r) {
        if (!r.ok) throw new Error("config " + r.status);
        return r.json();
      }),
      window.io ? Promise.resolve() : loadScript(server + "widget/socket.io.min.js"),
    ])
      .then(function (results) {
        config = results[0];
        if (!config.languages || !config.languages.length) throw new Error("no labels");
        if (senderId && chatIdTooOld(config.chat_id_days)) forgetChatId();
        reveal();
        // A returning patient is connected at once, so a reminder can arrive.
        if (senderId || !panel.hidden) connect();
      })
      .catch(function () {
        config = null;
        reveal();
        setStatus(t("could_not_start"));
      });
  }

  window.HaipChat = { renderText: renderText, open: open, close: shut };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
