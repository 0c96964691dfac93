// The Concierge chat page: plain JavaScript over the public API (POST /v1/nlu, POST /v1/checkout).
"use strict";

(function () {
  const section = document.querySelector(".chat");
  const list = document.getElementById("messages");
  const composer = document.getElementById("composer");
  const input = document.getElementById("text");
  const loggedIn = section.dataset.authenticated === "true";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ message: "The server sent an unreadable answer." }));
    return { ok: response.ok, status: response.status, data: data };
  }

  function addText(text, who, extraClass) {
    const item = document.createElement("li");
    item.className = "message " + who + (extraClass ? " " + extraClass : "");
    item.textContent = text;
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function addProductCard(message) {
    const payload = message.payload || {};
    const card = document.getElementById("product-card").content.firstElementChild.cloneNode(true);
    card.querySelector("img").src = payload.imageUrl;
    card.querySelector("img").alt = payload.name;
    card.querySelector(".name").textContent = payload.name;
    card.querySelector(".price").textContent = payload.price;
    card.querySelector(".description").textContent = payload.description || "";
    const button = card.querySelector(".order");
    button.textContent = payload.buttonLabel || "Order";
    button.dataset.productId = payload.productId;
    button.addEventListener("click", () => orderClicked(payload));
    list.appendChild(card);
    card.scrollIntoView({ block: "end" });
  }

  function tomorrow() {
    const date = new Date(Date.now() + 24 * 3600 * 1000);
    return date.toISOString().slice(0, 10);
  }

  function addCheckoutForm(payload) {
    const item = document.getElementById("checkout-form").content.firstElementChild.cloneNode(true);
    const form = item.querySelector("form");
    form.querySelector(".title").textContent = "Order " + payload.name + (payload.price ? " (" + payload.price + ")" : "");
    form.elements.deliveryDate.value = payload.deliveryDate || tomorrow();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      checkout(form, payload.productId);
    });
    list.appendChild(item);
    form.elements.deliveryAddress.focus();
  }

  function render(messages) {
    for (const message of messages) {
      if (message.type === "unstructured") {
        addText(message.unstructured.text, "bot");
      } else if (message.type === "structured" && message.structured.type === "product") {
        addProductCard(message.structured);
      } else if (message.type === "structured" && message.structured.type === "checkout_form") {
        addCheckoutForm(message.structured.payload);
      } else if (message.type === "structured" && message.structured.text) {
        addText(message.structured.text, "bot");
      }
    }
  }

  function nluMessage(type, body) {
    const message = { type: type };
    message[type] = Object.assign({ id: crypto.randomUUID(), timestamp: new Date().toISOString() }, body);
    return message;
  }

  async function send(message) {
    const reply = await postJson("/v1/nlu", { messages: [message] });
    if (reply.ok) {
      render(reply.data.messages);
    } else {
      addText(reply.data.message || "Something went wrong.", "bot", "error");
    }
  }

  async function orderClicked(payload) {
    if (!loggedIn) {
      const item = addText("Please log in to order. ", "bot");
      const link = document.createElement("a");
      link.href = section.dataset.loginUrl;
      link.textContent = "Log in";
      item.appendChild(link);
      return;
    }
    addText("Order " + payload.name, "me");
    await send(nluMessage("structured", { type: "action", text: "Order", payload: { clickAction: "checkout", productId: payload.productId } }));
  }

  async function checkout(form, productId) {
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Placing order…";
    const reply = await postJson("/v1/checkout", {
      productId: productId,
      deliveryAddress: form.elements.deliveryAddress.value,
      deliveryDate: form.elements.deliveryDate.value,
    });
    if (reply.ok && reply.data.success && reply.data.statusUrl && !FINAL_STATES.has(reply.data.status)) {
      // The asynchronous checkout: accepted now, decided by the saga; follow the order until it ends.
      button.textContent = "Received";
      // The API's message tells a client to follow statusUrl; a person is told what the page will do.
      addText(`Order ${reply.data.number} accepted. We are reserving it and authorising your card now; ` +
              "the outcome will appear here in a moment.", "bot", "outcome pending");
      await followOrder(reply.data.statusUrl);
    } else if (reply.ok && reply.data.success) {
      button.textContent = "Ordered";
      addText(reply.data.message, "bot", "outcome success");
    } else {
      button.disabled = false;
      button.textContent = "Place order";
      addText(reply.data.message || "The order failed.", "bot", "outcome error");
    }
  }

  const FINAL_STATES = new Set(["confirmed", "out_of_stock", "payment_declined", "failed_after_retries", "failed"]);
  const POLL_MS = 1000;
  const POLL_LIMIT = 600;

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function followOrder(statusUrl) {
    for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
      await pause(POLL_MS);
      const response = await fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) continue;  // a restart or a blip: keep following
      const order = await response.json();
      if (FINAL_STATES.has(order.status)) {
        addText(order.message, "bot", "outcome " + (order.status === "confirmed" ? "success" : "error"));
        return;
      }
    }
    addText("Your order is still being processed; check your orders later.", "bot", "outcome pending");
  }

  composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    addText(text, "me");
    await send(nluMessage("unstructured", { text: text }));
  });
})();
