// The member's Green Cards as data: list, issue, and top up. A top-up click gets one fresh
// idempotency key, reused when the same click is retried after a network failure or a 5xx, so
// a retried payment can never be credited (or charged) twice. Views render; this module calls.

import { api, randomKey } from "./api.js";

const RETRY_DELAYS_MS = [1000, 2000];

export async function listCards() {
  const body = await api("/me/green-cards", { auth: true });
  return body.greenCards;
}

export function issueCard() {
  return api("/me/green-cards", { method: "POST", body: {}, auth: true });
}

const retriable = (error) => error.status === 0 || error.status >= 500;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tops up `idTag` by `amountCents`; resolves to the card with its new balance, or, when the
 * provider takes the payment on its own page, to the pending payment with its `redirect`.
 */
export async function topUp(idTag, amountCents) {
  const body = { amountCents, idempotencyKey: randomKey() };
  const path = `/me/green-cards/${encodeURIComponent(idTag)}/top-ups`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api(path, { method: "POST", body, auth: true });
    } catch (error) {
      if (!retriable(error) || attempt >= RETRY_DELAYS_MS.length) throw error;
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
}
