// Paying on the card provider's page (Redsys): the provider's signed form is posted from the
// browser, with the order kept in sessionStorage; back on the page, the top-up is waited for
// until the provider's confirmation reached the CSMS (only that credits the card).

import { api } from "./api.js";

const PENDING = "citere.pendingTopUp";
const POLLS = 30;
const POLL_MS = 1000;

/** Sends the browser to the provider's page with `payment.redirect`'s signed form. */
export function payAtProvider(payment) {
  sessionStorage.setItem(PENDING, JSON.stringify({ order: payment.order }));
  const form = document.createElement("form");
  form.method = "POST";
  form.action = payment.redirect.url;
  for (const [name, value] of Object.entries(payment.redirect.fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * After a return from the provider: the top-up once it is no longer Pending (or still Pending
 * after a while), or null when none was under way.
 */
export async function paymentOnReturn() {
  const saved = sessionStorage.getItem(PENDING);
  if (!saved) return null;
  const { order } = JSON.parse(saved);
  let payment = null;
  for (let poll = 0; poll < POLLS; poll += 1) {
    payment = await api(`/me/top-ups/${encodeURIComponent(order)}`, { auth: true });
    if (payment.status !== "Pending") {
      sessionStorage.removeItem(PENDING);
      return payment;
    }
    await sleep(POLL_MS);
  }
  return payment;
}
