// The chat page's plumbing: calling the public API and putting messages on the page, in view.
"use strict";

(function () {
  const scroller = document.getElementById("scroller");
  const list = document.getElementById("messages");
  const section = document.querySelector(".chat");
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  /** 32 random hex characters (getRandomValues works on plain http too, unlike randomUUID). */
  function randomId() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // One conversation per page load: after a reload the assistant remembers nothing the page no longer
  // shows (an earlier search, "tomorrow" said yesterday).
  const conversationId = randomId();

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** {ok, status, data}; status 0 when the shop could not be reached at all. */
  async function request(url, options) {
    try {
      const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, data: data };
    } catch (error) {
      return { ok: false, status: 0, data: {} };
    }
  }

  function postJson(url, body, headers) {
    return request(url, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json",
        "X-CSRFToken": csrfToken() }, headers),
      body: JSON.stringify(body),
    });
  }

  function getJson(url) {
    return request(url, { headers: { Accept: "application/json" } });
  }

  function sendToAssistant(message) {
    return postJson("/v1/nlu", { messages: [message] }, { "X-Conversation-ID": conversationId });
  }

  // ------------------------------------------------------------- the list
  function template(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  function append(item) {
    list.appendChild(item);
    return item;
  }

  function textItem(text, who, extraClass) {
    const item = document.createElement("li");
    item.className = "message " + who + (extraClass ? " " + extraClass : "");
    item.textContent = text;
    return item;
  }

  /** Scroll the conversation so that `first` to `last` show: all of them when they fit, else from the top
   * of `first`. The message box sits below the conversation, never over it. */
  function reveal(first, last) {
    const end = last || first;
    const behavior = reducedMotion.matches ? "auto" : "smooth";
    const span = end.getBoundingClientRect().bottom - first.getBoundingClientRect().top;
    if (span > scroller.clientHeight - 32) {
      first.scrollIntoView({ block: "start", behavior: behavior });
    } else {
      end.scrollIntoView({ block: "end", behavior: behavior });
    }
  }

  function addText(text, who, extraClass) {
    const item = append(textItem(text, who, extraClass));
    reveal(item);
    return item;
  }

  function link(text, href) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  /** "Please log in to order. Log in or sign up: it takes a minute." */
  function addLoginPrompt() {
    const item = textItem("Please log in to order. ", "bot");
    item.append(link("Log in", section.dataset.loginUrl), " or ", link("sign up", section.dataset.signupUrl),
      ": it takes a minute.");
    append(item);
    reveal(item);
    return item;
  }

  /** What to tell a person when the assistant did not answer. */
  function apologyFor(reply) {
    if (reply.status === 0) return "I can't reach the shop just now. Please check your connection and try again.";
    if (reply.status === 429) return "That was a lot of messages at once; give me a few seconds, then try again.";
    if (reply.status >= 500) return "Sorry, something went wrong on my side. Please try again in a moment.";
    return "Sorry, I couldn't read that message. Could you put it another way?";
  }

  window.Concierge = Object.assign(window.Concierge || {}, {
    randomId, postJson, getJson, sendToAssistant, template, append, textItem, reveal, addText, link,
    addLoginPrompt, apologyFor,
  });
})();
