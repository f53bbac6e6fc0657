// The "Nearby" list: charge points with free connectors, nearest first, each connector with
// its status and a free/occupied badge, kept live by the SSE stream of connector changes. An
// event updates its connector in place at once, then a throttled re-query lets charge points
// that gained or lost their last free connector appear or disappear. The last answer is kept
// in localStorage so that the list still shows (marked stale) when the server is unreachable.

import { api } from "./api.js";
import { km, kw, onLangChange, t, time } from "./i18n.js";
import { updateMap } from "./map.js";
import { filterParams, onPlaceChange, place } from "./place.js";
import { openReservation } from "./reserve.js";
import { $, announce, el, notice } from "./ui.js";

const CACHE_KEY = "citere.availability";
/** Re-queries at most this often while events stream in. */
const REFRESH_THROTTLE_MS = 500;
const RECONNECT_MS = 5000;

let shown = [];
let generation = 0;
let refreshTimer = null;

function query() {
  const params = filterParams();
  params.set("lat", place.lat.toFixed(5));
  params.set("lon", place.lon.toFixed(5));
  params.set("limit", "50");
  return params.toString();
}

/** Fetches the list for the current place and filters and shows it. */
export async function refresh() {
  const mine = ++generation;
  const key = query();
  const list = $("#stations");
  list.setAttribute("aria-busy", "true");
  try {
    const body = await api(`/availability?${key}`);
    if (mine !== generation) return;
    $("#stale").hidden = true;
    render(body.chargePoints);
    try {
      localStorage.setItem(CACHE_KEY, JSON.stringify({ key, at: new Date(), body }));
    } catch {
      // A full or refused storage only costs the offline copy.
    }
  } catch (error) {
    if (mine !== generation) return;
    if (error.status === 0 && showCached(key)) return;
    notice(error.message, { error: true });
  } finally {
    if (mine === generation) list.removeAttribute("aria-busy");
  }
}

function showCached(key) {
  try {
    const cached = JSON.parse(localStorage.getItem(CACHE_KEY) || "null");
    if (!cached || cached.key !== key) return false;
    render(cached.body.chargePoints);
    const stale = $("#stale");
    stale.textContent = t("cached", { time: time(cached.at) });
    stale.hidden = false;
    return true;
  } catch {
    return false;
  }
}

/** Schedules a re-query; events arriving meanwhile share it. */
export function refreshSoon(delay = REFRESH_THROTTLE_MS) {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, delay);
}

function render(points) {
  shown = points;
  const list = $("#stations");
  const existing = new Map([...list.children].map((li) => [li.dataset.cpId, li]));
  points.forEach((cp, index) => {
    let li = existing.get(cp.id);
    existing.delete(cp.id);
    if (!li) li = el("li", { class: "cp", dataset: { cpId: cp.id }, "data-testid": `cp-${cp.id}` });
    fillChargePoint(li, cp);
    // Move only what is out of place, so a focused button keeps its focus.
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const li of existing.values()) li.remove();
  $("#stations-empty").hidden = points.length > 0;
  updateMap(points);
}

function fillChargePoint(li, cp) {
  const header = el(
    "div",
    { class: "cp-head" },
    el("h3", { text: cp.name }),
    el("p", { class: "address", text: cp.address }),
    el(
      "p",
      { class: "meta" },
      el("span", { class: "distance", text: t("away", { km: km(cp.distanceKm) }) }),
      el("span", {
        class: "free-count",
        "data-testid": `free-count-${cp.id}`,
        text: t("freeOf", { free: cp.freeConnectors, total: cp.connectors.length }),
      }),
    ),
  );
  const oldHeader = li.querySelector(".cp-head");
  if (oldHeader) oldHeader.replaceWith(header);
  else li.prepend(header);
  // The connector rows stay the same nodes while the connectors do (focus survives updates).
  let connectors = li.querySelector(".connectors");
  const ids = cp.connectors.map((c) => String(c.connectorId)).join(",");
  if (!connectors || connectors.dataset.ids !== ids) {
    const fresh = el(
      "ul",
      { class: "connectors", dataset: { ids } },
      cp.connectors.map((c) => connectorRow(cp, c)),
    );
    if (connectors) connectors.replaceWith(fresh);
    else li.append(fresh);
    connectors = fresh;
  }
  cp.connectors.forEach((c, i) => updateConnector(connectors.children[i], cp, c));
}

function connectorRow(cp, c) {
  const button = el("button", {
    type: "button",
    class: "reserve",
    "data-testid": `reserve-${cp.id}-${c.connectorId}`,
    onclick: () => {
      const current = shown.find((p) => p.id === cp.id) ?? cp;
      const connector = current.connectors.find((x) => x.connectorId === c.connectorId) ?? c;
      openReservation({ chargePoint: current, connector });
    },
  });
  return el(
    "li",
    { class: "connector", "data-testid": `connector-${cp.id}-${c.connectorId}` },
    el("span", { class: "plug" }),
    el("span", { class: "status" }),
    el("span", { class: "badge", "data-testid": `badge-${cp.id}-${c.connectorId}` }),
    button,
  );
}

function updateConnector(row, cp, c) {
  row.dataset.free = String(c.free);
  row.dataset.status = c.status;
  row.querySelector(".plug").textContent = [
    t("connector", { n: c.connectorId }),
    c.type,
    kw(c.maxPowerKw),
  ]
    .filter(Boolean)
    .join(" · ");
  row.querySelector(".status").textContent = t(`status.${c.status}`);
  const badge = row.querySelector(".badge");
  badge.textContent = c.free ? t("badgeFree") : t("badgeBusy");
  badge.classList.toggle("free", c.free);
  badge.classList.toggle("busy", !c.free);
  const button = row.querySelector("button");
  button.textContent = t("reserve");
  button.setAttribute("aria-label", t("reserveLabel", { n: c.connectorId, name: cp.name }));
  button.disabled = !c.free;
}

/** One `connector` event from the stream. */
function onConnector(change) {
  const cp = shown.find((p) => p.id === change.chargePointId);
  const c = cp?.connectors.find((x) => x.connectorId === change.connectorId);
  if (c) {
    const wasFree = c.free;
    c.status = change.status;
    c.free = change.free;
    cp.freeConnectors = cp.connectors.filter((x) => x.free).length;
    const li = $(`#stations > li[data-cp-id="${CSS.escape(cp.id)}"]`);
    if (li) fillChargePoint(li, cp);
    if (wasFree !== c.free) {
      const vars = { name: cp.name, n: c.connectorId };
      announce(t(c.free ? "nowFree" : "nowBusy", vars));
    }
  }
  if (c || change.free) refreshSoon();
}

function setLive(on) {
  const state = $("#live-state");
  state.dataset.live = on ? "on" : "off";
  state.textContent = on ? t("liveOn") : t("liveOff");
}

/** Opens the event stream; the browser reconnects by itself, and we re-query after a gap. */
function listen() {
  const source = new EventSource("/api/v1/availability/events");
  let interrupted = false;
  source.addEventListener("open", () => {
    setLive(true);
    if (interrupted) refreshSoon(0);
    interrupted = false;
  });
  source.addEventListener("error", () => {
    setLive(false);
    interrupted = true;
    if (source.readyState === EventSource.CLOSED) setTimeout(listen, RECONNECT_MS);
  });
  source.addEventListener("connector", (event) => {
    try {
      onConnector(JSON.parse(event.data));
    } catch {
      // A malformed event is ignored; the next re-query corrects the list anyway.
    }
  });
}

export function initStations() {
  setLive(false);
  onPlaceChange(refresh);
  onLangChange(() => {
    render(shown);
    setLive($("#live-state").dataset.live === "on");
  });
  document.addEventListener("citere:reserved", () => refreshSoon(0));
  document.addEventListener("citere:cancelled", () => refreshSoon(0));
  listen();
}
