// The optional map above the Nearby list: OpenStreetMap tiles with a marker per listed charge
// point. It is opt-in (a button shown only while the browser is online), so the page itself
// fetches nothing from the internet and the list stays the product. The page's CSP allows
// images from tile.openstreetmap.org for this and for nothing else.

import { onLangChange, t } from "./i18n.js";
import { $, el } from "./ui.js";
import { place } from "./place.js";

const TILE = 256;
const TILES = "https://tile.openstreetmap.org";

let enabled = false;
let points = [];

/** Web Mercator pixel coordinates at zoom `z`. */
function project(lat, lon, z) {
  const size = TILE * 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    x: ((lon + 180) / 360) * size,
    y: ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * size,
  };
}

/** A zoom at which the search radius roughly fills the map. */
function zoom() {
  const radius = Number($("#filters").radiusKm.value) || 10;
  if (radius <= 2) return 15;
  if (radius <= 5) return 14;
  if (radius <= 10) return 13;
  if (radius <= 25) return 12;
  return 11;
}

function draw() {
  const canvas = $("#map-canvas");
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const z = zoom();
  const centre = project(place.lat, place.lon, z);
  const left = centre.x - width / 2;
  const top = centre.y - height / 2;
  const nodes = [];
  const max = 2 ** z;
  for (let tx = Math.floor(left / TILE); tx * TILE < left + width; tx += 1) {
    for (let ty = Math.floor(top / TILE); ty * TILE < top + height; ty += 1) {
      if (ty < 0 || ty >= max) continue;
      const img = el("img", {
        class: "tile",
        alt: "",
        src: `${TILES}/${z}/${(tx + max) % max}/${ty}.png`,
      });
      // The tile servers ask to know the referring site; the page's own policy sends none.
      img.referrerPolicy = "strict-origin-when-cross-origin";
      // A tile that cannot load leaves a blank, not a broken-image icon.
      img.addEventListener("error", () => {
        img.hidden = true;
      });
      img.style.left = `${tx * TILE - left}px`;
      img.style.top = `${ty * TILE - top}px`;
      nodes.push(img);
    }
  }
  const marker = (lat, lon, node) => {
    const at = project(lat, lon, z);
    node.style.left = `${at.x - left}px`;
    node.style.top = `${at.y - top}px`;
    return node;
  };
  nodes.push(
    marker(place.lat, place.lon, el("span", { class: "marker you", "aria-hidden": "true" })),
  );
  for (const cp of points) {
    const pin = el("button", {
      type: "button",
      class: "marker cp",
      "aria-label": cp.name,
      title: cp.name,
      text: String(cp.freeConnectors),
      onclick: () => {
        const item = $(`#stations > li[data-cp-id="${CSS.escape(cp.id)}"]`);
        item?.scrollIntoView({ behavior: "smooth", block: "center" });
        item?.querySelector("button:not([disabled])")?.focus({ preventScroll: true });
      },
    });
    nodes.push(marker(cp.latitude, cp.longitude, pin));
  }
  canvas.replaceChildren(...nodes);
}

function setEnabled(on) {
  enabled = on && navigator.onLine;
  $("#map").hidden = !enabled;
  const toggle = $("#map-toggle");
  toggle.setAttribute("aria-expanded", String(enabled));
  toggle.textContent = enabled ? t("mapHide") : t("mapShow");
  if (enabled) draw();
}

/** The Nearby list calls this with every list it shows. */
export function updateMap(shown) {
  points = shown;
  if (enabled) draw();
}

export function initMap() {
  const toggle = $("#map-toggle");
  const online = () => {
    toggle.hidden = !navigator.onLine;
    if (!navigator.onLine) setEnabled(false);
  };
  toggle.addEventListener("click", () => setEnabled(!enabled));
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  onLangChange(() => setEnabled(enabled));
  online();
  setEnabled(false);
}
