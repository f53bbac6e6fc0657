// The reservation dialog, shared by "reserve now" (a free connector from the Nearby list) and
// "book later" (a slot from the Later view): it shows what and when, picks one of the member's
// Active Green Cards (or offers to issue one), sends POST /reservations and shows the outcome.
// A visitor who is signed out is sent to sign in first, and the dialog reopens afterwards.

import { ApiError, api, token } from "./api.js";
import { issueCard, listCards } from "./cards.js";
import { date, kw, onLangChange, t, time } from "./i18n.js";
import { $, busy, el, goTo, notice } from "./ui.js";

/** What the dialog is about: `{chargePoint, connector, slot?}`. */
let subject = null;
/** A reservation asked for while signed out, resumed after sign-in. */
let pending = null;
/** The outcome shown, to say again in the other language. */
let shownResult = null;

export function openReservation(what) {
  if (!token()) {
    pending = what;
    notice(t("needLogin"));
    goTo("#cuenta");
    return;
  }
  subject = what;
  const { chargePoint, connector, slot } = what;
  $("#reserve-what").textContent = [
    chargePoint.name,
    t("connector", { n: connector.connectorId }),
    connector.type,
    kw(connector.maxPowerKw),
  ]
    .filter(Boolean)
    .join(" · ");
  $("#reserve-when").textContent = slot
    ? t("dialogLater", { date: date(slot.from), from: time(slot.from), to: time(slot.to) })
    : t("dialogNow");
  showError(null);
  const dialog = $("#reserve-dialog");
  if (!dialog.open) dialog.showModal();
  fillCards();
}

/** Reopens the dialog for a reservation interrupted by signing in. */
export function resumePending() {
  const what = pending;
  pending = null;
  if (what) {
    goTo(what.slot ? "#despues" : "#cerca");
    openReservation(what);
  }
}

function showError(message) {
  const box = $("#reserve-error");
  box.hidden = !message;
  box.textContent = message ?? "";
}

async function fillCards() {
  const place = $("#reserve-card");
  const confirm = $("#reserve-confirm");
  confirm.disabled = true;
  place.replaceChildren(el("p", { text: t("loading") }));
  let cards;
  try {
    cards = (await listCards()).filter((card) => card.status === "Active");
  } catch (error) {
    place.replaceChildren();
    showError(error.message);
    return;
  }
  if (cards.length === 0) {
    const issue = el("button", {
      type: "button",
      "data-testid": "reserve-issue-card",
      text: t("issueCard"),
      onclick: (event) =>
        busy(event.currentTarget, async () => {
          try {
            await issueCard();
            fillCards();
          } catch (error) {
            showError(error.message);
          }
        }),
    });
    place.replaceChildren(el("p", { text: t("noCardToReserve") }), issue);
    return;
  }
  const select = el(
    "select",
    { id: "reserve-card-select", name: "idTag", "data-testid": "reserve-card" },
    cards.map((card) => el("option", { value: card.idTag, text: card.idTag })),
  );
  place.replaceChildren(el("label", { for: "reserve-card-select", text: t("card") }), select);
  confirm.disabled = false;
}

async function submit(event) {
  event.preventDefault();
  if (!subject) return;
  const idTag = $("#reserve-card-select")?.value;
  if (!idTag) return;
  const { chargePoint, connector, slot } = subject;
  const body = { chargePointId: chargePoint.id, connectorId: connector.connectorId, idTag };
  if (slot) {
    body.startsAt = slot.from;
    body.durationMinutes = Math.round((new Date(slot.to) - new Date(slot.from)) / 60000);
  }
  await busy($("#reserve-confirm"), async () => {
    try {
      const reservation = await api("/reservations", { method: "POST", body, auth: true });
      $("#reserve-dialog").close();
      showResult(chargePoint, reservation);
      // Also in the notice bar, which stays in view wherever the list was scrolled to.
      notice($("#reservation-result").textContent);
      document.dispatchEvent(new CustomEvent("citere:reserved", { detail: reservation }));
    } catch (error) {
      showError(error instanceof ApiError ? error.message : String(error));
    }
  });
}

function showResult(chargePoint, r) {
  shownResult = { chargePoint, r };
  const vars = { name: chargePoint.name, n: r.connectorId };
  const text =
    r.status === "Scheduled"
      ? t("booked", {
          ...vars,
          when: t("slotWhen", {
            date: date(r.startsAt),
            from: time(r.startsAt),
            to: time(r.expiresAt),
          }),
        })
      : t("reservedNow", { ...vars, time: time(r.expiresAt) });
  const result = $("#reservation-result");
  result.dataset.status = r.status;
  result.dataset.reservationId = String(r.id);
  result.textContent = text;
  result.hidden = false;
}

export function hideResult() {
  $("#reservation-result").hidden = true;
}

export function initReserve() {
  onLangChange(() => {
    if (shownResult && !$("#reservation-result").hidden)
      showResult(shownResult.chargePoint, shownResult.r);
    if (subject) openReservation(subject);
  });
  document.addEventListener("citere:cancelled", ({ detail }) => {
    if ($("#reservation-result").dataset.reservationId === String(detail.id)) hideResult();
  });
  $("#reserve-form").addEventListener("submit", submit);
  $("#reserve-close").addEventListener("click", () => $("#reserve-dialog").close());
  $("#reserve-dialog").addEventListener("close", () => {
    subject = null;
  });
}
