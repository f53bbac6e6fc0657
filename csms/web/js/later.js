// The "Later" view: pick a day, a time and a duration, find the connectors free for that whole
// window near the same place and with the same filters as the Nearby list
// (GET /availability/slots), and book one through the reservation dialog.

import { api } from "./api.js";
import { date, km, kw, onLangChange, t, time } from "./i18n.js";
import { filterParams, onPlaceChange, place, placeLabel } from "./place.js";
import { openReservation } from "./reserve.js";
import { $, busy, el, notice, onView } from "./ui.js";

let found = [];

const pad = (n) => String(n).padStart(2, "0");
const localDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** Proposes the next full hour, at least 30 minutes ahead. */
function defaults(form) {
  const start = new Date(Date.now() + 30 * 60000);
  start.setMinutes(60, 0, 0);
  form.day.value = localDate(start);
  form.day.min = localDate(new Date());
  form.at.value = `${pad(start.getHours())}:00`;
}

async function search(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const from = new Date(`${form.day.value}T${form.at.value}`);
  if (Number.isNaN(from.getTime()) || from <= new Date()) {
    notice(t("futureOnly"), { error: true });
    return;
  }
  const to = new Date(from.getTime() + Number(form.minutes.value) * 60000);
  const params = filterParams();
  params.set("lat", place.lat.toFixed(5));
  params.set("lon", place.lon.toFixed(5));
  params.set("from", from.toISOString());
  params.set("to", to.toISOString());
  await busy(form.querySelector("button[type=submit]"), async () => {
    try {
      found = (await api(`/availability/slots?${params}`)).slots;
      render();
    } catch (error) {
      notice(error.message, { error: true });
    }
  });
}

function render() {
  const list = $("#slots");
  list.dataset.searched = "true";
  // One card per charge point (the slots come nearest first), a button per free connector.
  const byPoint = new Map();
  for (const slot of found) {
    if (!byPoint.has(slot.chargePointId)) byPoint.set(slot.chargePointId, []);
    byPoint.get(slot.chargePointId).push(slot);
  }
  list.replaceChildren(...[...byPoint.values()].map(pointItem));
  const when = $("#slots-when");
  when.hidden = found.length === 0;
  if (found.length > 0) {
    const { from, to } = found[0];
    when.textContent = t("slotsWhen", { date: date(from), from: time(from), to: time(to) });
  }
  $("#slots-empty").hidden = found.length > 0;
}

function pointItem(slots) {
  const first = slots[0];
  const chargePoint = { id: first.chargePointId, name: first.name };
  return el(
    "li",
    { class: "slot", "data-testid": `slot-${first.chargePointId}` },
    el("h3", { text: first.name }),
    el("p", {
      class: "address",
      text: `${first.address} · ${t("away", { km: km(first.distanceKm) })}`,
    }),
    el(
      "ul",
      { class: "connectors" },
      slots.map((slot) => connectorItem(chargePoint, slot)),
    ),
  );
}

function connectorItem(chargePoint, slot) {
  const connector = { connectorId: slot.connectorId, type: slot.type, maxPowerKw: slot.maxPowerKw };
  return el(
    "li",
    { class: "connector" },
    el(
      "span",
      { class: "plug" },
      [t("connector", { n: slot.connectorId }), slot.type, kw(slot.maxPowerKw)]
        .filter(Boolean)
        .join(" · "),
    ),
    el("button", {
      type: "button",
      class: "reserve",
      "data-testid": `book-${slot.chargePointId}-${slot.connectorId}`,
      text: t("reserve"),
      "aria-label": t("reserveLabel", { n: slot.connectorId, name: slot.name }),
      onclick: () =>
        openReservation({ chargePoint, connector, slot: { from: slot.from, to: slot.to } }),
    }),
  );
}

/** Says where and what is searched: the Nearby view's place and filters. */
function where() {
  const filters = $("#filters");
  const parts = [t("laterWhere", { place: placeLabel(), km: km(Number(filters.radiusKm.value)) })];
  if (filters.connectorType.value) parts.push(filters.connectorType.value);
  if (filters.minPowerKw.value) parts.push(`≥ ${kw(Number(filters.minPowerKw.value))}`);
  $("#later-where").textContent = parts.join(" · ");
}

export function initLater() {
  onView((view) => {
    if (view === "later") where();
  });
  onPlaceChange(where);
  const form = $("#later-form");
  defaults(form);
  form.addEventListener("submit", search);
  onLangChange(() => {
    where();
    if ($("#slots").dataset.searched) render();
  });
  // A booked slot leaves the list; the others stay bookable.
  document.addEventListener("citere:reserved", ({ detail: r }) => {
    if (!$("#slots").dataset.searched) return;
    found = found.filter(
      (s) => s.chargePointId !== r.chargePointId || s.connectorId !== r.connectorId,
    );
    render();
  });
}
