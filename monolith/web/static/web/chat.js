// The Concierge chat page: what the shopper types goes to POST /v1/nlu; the replies come back as text,
// product cards (shown side by side, with a drawn picture) and the delivery form of an order.
"use strict";

(function () {
  const C = window.Concierge;
  const section = document.querySelector(".chat");
  const composer = document.getElementById("composer");
  const input = document.getElementById("text");
  const loggedIn = section.dataset.authenticated === "true";
  const shown = new Map();  // productId -> the card's payload, so the order form can show the same picture

  function nluMessage(type, body) {
    const message = { type: type };
    message[type] = Object.assign({ id: C.randomId(), timestamp: new Date().toISOString() }, body);
    return message;
  }

  // ------------------------------------------------------------- products
  function productCard(payload) {
    const card = C.template("product-card");
    card.querySelector(".picture").innerHTML = C.productPicture(payload);
    card.querySelector(".name").textContent = payload.name;
    card.querySelector(".price").textContent = payload.price;
    card.querySelector(".description").textContent = payload.description || "";
    const button = card.querySelector(".order");
    button.textContent = payload.buttonLabel || "Order";
    button.dataset.productId = payload.productId;
    button.addEventListener("click", () => orderClicked(payload));
    shown.set(payload.productId, payload);
    return card;
  }

  function productGroup() {
    const item = document.createElement("li");
    item.className = "message bot products";
    const grid = document.createElement("ul");
    grid.className = "product-grid";
    item.appendChild(grid);
    return { item: item, grid: grid };
  }

  // ------------------------------------------------------------- replies
  /** Put the assistant's messages on the page (consecutive products share one grid) and bring them into view. */
  function render(messages) {
    const added = [];
    let group = null;
    let form = null;
    for (const message of messages) {
      const structured = message.type === "structured" ? message.structured : null;
      if (structured && structured.type === "product") {
        if (!group) added.push(C.append((group = productGroup()).item));
        group.grid.appendChild(productCard(structured.payload || {}));
        continue;
      }
      group = null;
      if (structured && structured.type === "checkout_form") {
        const payload = structured.payload || {};
        form = C.append(C.checkoutForm(Object.assign({}, shown.get(payload.productId), payload)));
        added.push(form);
      } else if (message.type === "unstructured" || (structured && structured.text)) {
        added.push(C.append(C.textItem(structured ? structured.text : message.unstructured.text, "bot")));
      }
    }
    if (added.length) C.reveal(added[0], added[added.length - 1]);
    if (form) form.querySelector("input[name=deliveryAddress]").focus({ preventScroll: true });
  }

  function typing() {
    const item = C.append(C.textItem("", "bot", "typing"));
    item.setAttribute("aria-label", "Concierge is typing");
    item.innerHTML = "<span></span><span></span><span></span>";
    C.reveal(item);
    return item;
  }

  async function send(message) {
    const dots = typing();
    const reply = await C.sendToAssistant(message);
    dots.remove();
    if (reply.ok) {
      render(reply.data.messages || []);
    } else {
      C.addText(C.apologyFor(reply), "bot", "error");
    }
  }

  // ------------------------------------------------------------- the shopper
  async function orderClicked(payload) {
    if (!loggedIn) {
      C.addLoginPrompt();
      return;
    }
    C.addText("Order: " + payload.name, "me");
    await send(nluMessage("structured", { type: "action", text: "Order",
      payload: { clickAction: "checkout", productId: payload.productId } }));
  }

  async function say(text) {
    C.addText(text, "me");
    await send(nluMessage("unstructured", { text: text }));
  }

  composer.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await say(text);
  });

  for (const chip of document.querySelectorAll(".suggestions .chip")) {
    chip.addEventListener("click", () => say(chip.textContent));
  }
})();
