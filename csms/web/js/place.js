// Where the driver is looking and what they want: the place (`?lat=&lon=` in the URL, else the
// browser's position when geolocation is already granted or asked for with the button, else
// the centre of Gijón) and the filters (connector type, minimum power, radius), which are
// remembered in localStorage. Both views build their queries from here.

import { onLangChange, t } from "./i18n.js";
import { $, notice } from "./ui.js";

export const GIJON = { lat: 43.5453, lon: -5.6635 };
const FILTERS_KEY = "citere.filters";
const listeners = [];

export const place = { ...GIJON, source: "default" };

/** Calls `listener` whenever the place or a filter changes. */
export function onPlaceChange(listener) {
  listeners.push(listener);
}

/** Where the lists are centred, in words. */
export function placeLabel() {
  return t({ default: "placeDefault", here: "placeHere", given: "placeGiven" }[place.source]);
}

function changed() {
  $("#place").textContent = placeLabel();
  for (const listener of listeners) listener();
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  const lat = Number.parseFloat(params.get("lat"));
  const lon = Number.parseFloat(params.get("lon"));
  if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return { lat, lon };
  return null;
}

function locate({ quiet }) {
  if (!("geolocation" in navigator)) {
    if (!quiet) notice(t("locateFailed"), { error: true });
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (position) => {
      place.lat = position.coords.latitude;
      place.lon = position.coords.longitude;
      place.source = "here";
      changed();
    },
    () => {
      if (!quiet) notice(t("locateFailed"), { error: true });
    },
    { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
  );
}

/** The filters as query parameters. */
export function filterParams() {
  const form = $("#filters");
  const params = new URLSearchParams({ radiusKm: form.radiusKm.value });
  if (form.connectorType.value) params.set("connectorType", form.connectorType.value);
  if (form.minPowerKw.value) params.set("minPowerKw", form.minPowerKw.value);
  return params;
}

function restoreFilters(form) {
  try {
    const saved = JSON.parse(localStorage.getItem(FILTERS_KEY) || "{}");
    for (const name of ["connectorType", "minPowerKw", "radiusKm"]) {
      const wanted = saved[name];
      if (typeof wanted === "string" && [...form[name].options].some((o) => o.value === wanted)) {
        form[name].value = wanted;
      }
    }
  } catch {
    // Nothing saved, or unreadable: the defaults in the markup stand.
  }
}

/** Reads the URL, restores the filters, wires the controls; the first change follows. */
export function initPlace() {
  const form = $("#filters");
  restoreFilters(form);
  form.addEventListener("change", () => {
    const saved = {
      connectorType: form.connectorType.value,
      minPowerKw: form.minPowerKw.value,
      radiusKm: form.radiusKm.value,
    };
    try {
      localStorage.setItem(FILTERS_KEY, JSON.stringify(saved));
    } catch {
      // Not remembered; still applied.
    }
    changed();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  $("#locate").addEventListener("click", () => locate({ quiet: false }));
  onLangChange(() => {
    $("#place").textContent = placeLabel();
  });

  const given = fromUrl();
  if (given) {
    Object.assign(place, given, { source: "given" });
  } else if (navigator.permissions) {
    // Only a permission already granted is used unasked; otherwise the button asks.
    navigator.permissions
      .query({ name: "geolocation" })
      .then((status) => {
        if (status.state === "granted") locate({ quiet: true });
      })
      .catch(() => {});
  }
  changed();
}
