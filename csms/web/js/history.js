// The signed-in member's history: reservations (cancel the open ones), finished charging
// sessions with their receipt lines, the NPS question for the newest finished session not yet
// answered, and the messages the network sent (welcome, receipts, invitations). Which sessions
// were answered is remembered locally; a 409 from the server means "answered already".

import { api, token } from "./api.js";
import { date, kwh, minutes, money, t, time } from "./i18n.js";
import { $, busy, el, notice } from "./ui.js";

const ANSWERED_KEY = "citere.npsAnswered";
/** Sessions older than this are not asked about any more. */
const NPS_WINDOW_MS = 30 * 24 * 3600 * 1000;
const OPEN = new Set(["Pending", "Scheduled", "Active"]);

let reservations = [];
let sessions = [];
let messages = [];
let npsScore = null;

export async function loadHistory() {
  if (!token()) return;
  try {
    const [r, s, m] = await Promise.all([
      api("/me/reservations", { auth: true }),
      api("/me/sessions", { auth: true }),
      api("/me/messages", { auth: true }),
    ]);
    reservations = r.reservations.sort((a, b) => b.startsAt.localeCompare(a.startsAt));
    sessions = s.sessions.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    messages = m.messages.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    renderHistory();
  } catch (error) {
    if (error.status !== 401) notice(error.message, { error: true });
  }
}

export function renderHistory() {
  $("#reservations").replaceChildren(...reservations.slice(0, 20).map(reservationItem));
  $("#no-reservations").hidden = reservations.length > 0;
  $("#sessions").replaceChildren(...sessions.slice(0, 50).map(sessionItem));
  $("#no-sessions").hidden = sessions.length > 0;
  $("#messages").replaceChildren(...messages.slice(0, 30).map(messageItem));
  $("#no-messages").hidden = messages.length > 0;
  renderNps();
}

function reservationItem(r) {
  const cancel = OPEN.has(r.status)
    ? el("button", {
        type: "button",
        "data-testid": `cancel-reservation-${r.id}`,
        text: t("cancel"),
        onclick: (event) => busy(event.currentTarget, () => cancelReservation(r.id)),
      })
    : null;
  return el(
    "li",
    { "data-testid": `reservation-${r.id}`, "data-status": r.status },
    el("p", {
      text: `${r.chargePointId} · ${t("connector", { n: r.connectorId })} · ${t(`res.${r.status}`)}`,
    }),
    el("p", {
      class: "when",
      text: t("slotWhen", {
        date: date(r.startsAt),
        from: time(r.startsAt),
        to: time(r.expiresAt),
      }),
    }),
    cancel,
  );
}

async function cancelReservation(id) {
  try {
    await api(`/reservations/${id}`, { method: "DELETE", auth: true });
    notice(t("cancelled"));
    document.dispatchEvent(new CustomEvent("citere:cancelled", { detail: { id } }));
    await loadHistory();
  } catch (error) {
    notice(error.message, { error: true });
  }
}

/** A receipt line in the page's language; the server's own wording for kinds it adds later. */
function lineText(line) {
  const quantity = { energy: kwh, planEnergy: kwh, time: minutes }[line.kind];
  const key = `line.${line.kind}`;
  if (t(key) === key) return line.description;
  return t(key, { qty: quantity ? quantity(line.quantity) : "" });
}

function sessionItem(s) {
  const total = s.costCents ?? 0;
  const lines = (s.lines ?? []).map((line) =>
    el(
      "tr",
      {},
      el("td", { text: lineText(line) }),
      el("td", { class: "amount", text: money(line.amountCents) }),
    ),
  );
  const receipt = el(
    "details",
    { class: "receipt" },
    el("summary", { text: t("receipt") }),
    el(
      "table",
      {},
      el("tbody", {}, lines),
      el(
        "tfoot",
        {},
        el(
          "tr",
          {},
          el("th", { text: t("total") }),
          el("td", { class: "amount", text: money(total) }),
        ),
      ),
    ),
    s.discountCents
      ? el("p", { text: `${t("discount")}: ${s.discountName ?? ""} −${money(s.discountCents)}` })
      : null,
    s.paymentMethod
      ? el("p", { text: t("paidWith", { method: t(`method.${s.paymentMethod}`) }) })
      : null,
  );
  return el(
    "li",
    { "data-testid": `session-${s.transactionId}` },
    el("p", { text: `${date(s.startedAt)} ${time(s.startedAt)} · ${s.chargePointId}` }),
    el("p", { class: "meta", text: `${kwh(s.energyWh ?? 0)} · ${money(total)}` }),
    receipt,
  );
}

function messageItem(m) {
  return el(
    "li",
    { dataset: { kind: m.kind } },
    el(
      "details",
      {},
      el("summary", { text: `${date(m.createdAt)} · ${m.subject}` }),
      el("p", { class: "body", text: m.body }),
    ),
  );
}

function answered() {
  try {
    return new Set(JSON.parse(localStorage.getItem(ANSWERED_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function markAnswered(transactionId) {
  const all = answered();
  all.add(transactionId);
  try {
    localStorage.setItem(ANSWERED_KEY, JSON.stringify([...all].slice(-200)));
  } catch {
    // Not remembered: the server's 409 will tell us next time.
  }
}

function npsCandidate() {
  const done = answered();
  const since = Date.now() - NPS_WINDOW_MS;
  return sessions.find(
    (s) => s.stoppedAt && new Date(s.stoppedAt).getTime() > since && !done.has(s.transactionId),
  );
}

function renderNps() {
  const box = $("#nps");
  const session = npsCandidate();
  box.hidden = !session;
  if (!session) return;
  box.dataset.transactionId = String(session.transactionId);
  $("#nps-question").textContent = t("npsQuestion", {
    date: date(session.stoppedAt),
    cp: session.chargePointId,
  });
  const scores = $("#nps-scores");
  scores.replaceChildren(
    ...Array.from({ length: 11 }, (_, score) =>
      el("button", {
        type: "button",
        "data-testid": `nps-${score}`,
        "aria-pressed": String(npsScore === score),
        text: String(score),
        onclick: () => {
          npsScore = score;
          for (const b of scores.children)
            b.setAttribute("aria-pressed", String(b.textContent === String(score)));
        },
      }),
    ),
  );
}

async function onNps(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const transactionId = Number($("#nps").dataset.transactionId);
  if (npsScore === null) {
    notice(t("npsPick"), { error: true });
    return;
  }
  const body = { score: npsScore };
  if (form.comment.value.trim()) body.comment = form.comment.value.trim();
  await busy(form.querySelector("button[type=submit]"), async () => {
    try {
      await api(`/me/sessions/${transactionId}/nps`, { method: "POST", body, auth: true });
      notice(t("npsThanks"));
    } catch (error) {
      // 409: answered before (elsewhere); 404: not ours. Either way, stop asking.
      if (error.status !== 409 && error.status !== 404) {
        notice(error.message, { error: true });
        return;
      }
    }
    markAnswered(transactionId);
    npsScore = null;
    form.reset();
    renderNps();
  });
}

export function initHistory() {
  $("#nps-form").addEventListener("submit", onNps);
}
