// Ordering from the chat: the delivery form, POST /v1/checkout, then following the order (statusUrl)
// until it is confirmed or has failed. What the page says about an order is written here, for a person.
"use strict";

(function () {
  const C = window.Concierge;
  const FINAL_STATES = new Set(["confirmed", "out_of_stock", "payment_declined", "failed_after_retries", "failed"]);
  const FORM_FIELDS = ["deliveryAddress", "deliveryDate"];
  const POLL_MS = 1000;
  const POLL_LIMIT = 600;
  const NOT_CHARGED = "You have not been charged.";
  // The card processor's decline codes, as a person would hear them from a shop.
  const DECLINE_HINTS = {
    risk_threshold: "It would not allow a payment this large; a smaller order may go through.",
    insufficient_funds: "There was not enough money on the card.",
    expired_card: "The card has expired.",
    incorrect_cvc: "The card's security code did not match.",
  };

  // ------------------------------------------------------------- words
  function pad(number) {
    return String(number).padStart(2, "0");
  }

  /** The browser's local date `days` from today, as YYYY-MM-DD. */
  function isoDate(days) {
    const date = new Date();
    date.setDate(date.getDate() + days);
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  function longDate(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    return new Date(year, month - 1, day).toLocaleDateString("en-US", { weekday: "long", month: "long", day: "numeric" });
  }

  function money(cents, currency) {
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
    } catch (error) {
      return `${(cents / 100).toFixed(2)} ${currency}`;
    }
  }

  function declineHint(reason) {
    const code = /\(([a-z_]+)\)\)?\s*$/.exec(reason || "");
    return (code && DECLINE_HINTS[code[1]]) || "Please try another card, or ask your bank why.";
  }

  /** An order in a final state, told as {state, title, text, button, again}. */
  function outcomeOf(order) {
    const name = order.productName;
    switch (order.status) {
      case "confirmed":
        return { state: "success", title: `Order ${order.number} confirmed`, button: "Ordered", again: false,
          text: `${name} will be delivered to ${order.deliveryAddress} on ${longDate(order.deliveryDate)}. ` +
            "A confirmation e-mail is on its way." };
      case "payment_declined":
        return { state: "error", title: "Payment declined", button: "Payment declined", again: false,
          text: `Your bank declined the payment of ${money(order.amountCents, order.currency)}, so nothing was ` +
            `ordered. ${declineHint(order.reason)} ${NOT_CHARGED}` };
      case "out_of_stock":
        return { state: "error", title: "Sold out", button: "Sold out", again: false,
          text: `Sorry, ${name} sold out before we could reserve it. ${NOT_CHARGED}` };
      default:
        return { state: "error", title: "Order not placed", button: "Try again", again: true,
          text: `We could not complete your order for ${name}. ${NOT_CHARGED} Please try again in a few minutes.` };
    }
  }

  /** A checkout the shop refused outright (no field to correct), told as an outcome. */
  function refusalOf(reply, product) {
    const again = { state: "error", button: "Try again", again: true };
    if (reply.status === 401 || reply.status === 403) {
      return Object.assign(again, { title: "Please log in again", login: true,
        text: "You were logged out, so nothing was ordered. Log in, then place the order again." });
    }
    if (reply.status === 402) {
      return { state: "error", title: "Payment declined", button: "Payment declined", again: false,
        text: `Your bank declined the payment for ${product.name}, so the order was not placed. ${NOT_CHARGED}` };
    }
    if (reply.status === 409) {
      return { state: "error", title: "Sold out", button: "Sold out", again: false,
        text: `Sorry, ${product.name} has just sold out. ${NOT_CHARGED}` };
    }
    if (reply.status === 400 && reply.data.errors && reply.data.errors.productId) {
      return { state: "error", title: "No longer available", button: "Unavailable", again: false,
        text: `Sorry, ${product.name} is no longer available. Shall I find you something similar?` };
    }
    if (reply.status === 0) {
      return Object.assign(again, { title: "Not sent",
        text: "We could not reach the shop, so nothing was ordered. Check your connection and try again." });
    }
    if (reply.status === 429) {
      return Object.assign(again, { title: "One moment", text: "Too many tries in a row; wait a few seconds, then try again." });
    }
    return Object.assign(again, { title: "Order not placed",
      text: "Something went wrong on our side and nothing was ordered. Please try again in a moment." });
  }

  // ------------------------------------------------------------- the form
  function setButton(button, state, label) {
    button.textContent = label;
    button.dataset.state = state;
    button.disabled = state !== "ready";
  }

  function placeLabel(product) {
    return product.price ? `Place order · ${product.price}` : "Place order";
  }

  /** Problems the page can see before asking the shop, per field. */
  function formProblems(form) {
    const problems = {};
    if (!form.elements.deliveryAddress.value.trim()) problems.deliveryAddress = "Please enter the address to deliver to.";
    const date = form.elements.deliveryDate.value;
    if (!date) problems.deliveryDate = "Please choose a delivery date.";
    else if (date < isoDate(0)) problems.deliveryDate = "Please choose today or a later date.";
    return problems;
  }

  /** Show each field's problem under it; true when there was any. */
  function showFieldProblems(form, problems) {
    let first = null;
    for (const name of FORM_FIELDS) {
      const problem = problems[name] ? [].concat(problems[name])[0] : "";
      const input = form.elements[name];
      form.querySelector(`.field-error[data-for="${name}"]`).textContent = problem;
      input.setAttribute("aria-invalid", problem ? "true" : "false");
      if (problem && !first) first = input;
    }
    if (first) first.focus();
    return first !== null;
  }

  function fieldProblems(errors) {
    if (!errors || typeof errors !== "object") return null;
    const known = FORM_FIELDS.filter((name) => errors[name]);
    return known.length ? errors : null;
  }

  // ------------------------------------------------------------- the outcome
  function show(item, outcome) {
    item.className = "message bot outcome " + outcome.state;
    item.querySelector(".outcome-title").textContent = outcome.title;
    const text = item.querySelector(".outcome-text");
    text.textContent = outcome.text;
    if (outcome.login) text.append(" ", C.link("Log in", document.querySelector(".chat").dataset.loginUrl));
    C.reveal(item);
  }

  function settle(form, outcome) {
    const button = form.querySelector("button.place");
    setButton(button, outcome.again ? "ready" : outcome.state === "success" ? "done" : "failed", outcome.button);
    form.querySelector("fieldset").disabled = !outcome.again;
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The order once it is final, or null when it is still going after POLL_LIMIT tries. */
  async function followOrder(statusUrl) {
    for (let attempt = 0; attempt < POLL_LIMIT; attempt++) {
      await pause(POLL_MS);
      const reply = await C.getJson(statusUrl);
      if (reply.ok && FINAL_STATES.has(reply.data.status)) return reply.data;  // else a blip: keep following
    }
    return null;
  }

  async function accepted(form, product, answer, item) {
    if (!answer.statusUrl || FINAL_STATES.has(answer.status)) {
      // The synchronous checkout (the monolith's, after a rollback) answers with the outcome itself.
      const done = { state: "success", title: "Order placed", text: answer.message, button: "Ordered", again: false };
      show(item, done);
      settle(form, done);
      return;
    }
    show(item, { state: "pending", title: `Order ${answer.number} accepted`,
      text: `We are reserving your ${product.name} and authorising your card; the outcome will show here in a moment.` });
    setButton(form.querySelector("button.place"), "busy", "Processing…");
    const order = await followOrder(answer.statusUrl);
    const outcome = order ? outcomeOf(order) : { state: "pending", title: `Order ${answer.number} is still processing`,
      button: "Processing…", again: false,
      text: "This is taking longer than usual. We will e-mail you as soon as it is confirmed or fails." };
    show(item, outcome);
    settle(form, outcome);
  }

  async function placeOrder(form, product) {
    const button = form.querySelector("button.place");
    if (showFieldProblems(form, formProblems(form))) return;
    setButton(button, "busy", "Placing order…");
    form.querySelector("fieldset").disabled = true;
    const reply = await C.postJson("/v1/checkout", {
      productId: product.productId,
      deliveryAddress: form.elements.deliveryAddress.value.trim(),
      deliveryDate: form.elements.deliveryDate.value,
    });
    const problems = reply.ok ? null : fieldProblems(reply.data.errors);
    if (problems) {
      form.querySelector("fieldset").disabled = false;
      setButton(button, "ready", placeLabel(product));
      showFieldProblems(form, problems);
      return;
    }
    const item = form.outcome || (form.outcome = C.append(C.template("order-outcome")));
    if (reply.ok && reply.data.success) {
      await accepted(form, product, reply.data, item);
    } else {
      const outcome = refusalOf(reply, product);
      show(item, outcome);
      settle(form, outcome);
    }
  }

  /** The delivery form for `product` (the card's payload with the assistant's checkout_form payload over
   * it); returns its list item, not yet scrolled into view. */
  function checkoutForm(product) {
    const item = C.template("checkout-form");
    const form = item.querySelector("form");
    item.querySelector(".picture").innerHTML = C.productPicture(product);
    item.querySelector(".title").textContent = product.name;
    item.querySelector(".subtitle").textContent = product.price || "";
    form.elements.deliveryDate.min = isoDate(0);
    form.elements.deliveryDate.value = product.deliveryDate || isoDate(1);
    setButton(form.querySelector("button.place"), "ready", placeLabel(product));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      placeOrder(form, product);
    });
    return item;
  }

  window.Concierge = Object.assign(C, { checkoutForm });
})();
