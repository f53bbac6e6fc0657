// The drivers' page of CITERE, booted: plain ES modules under /js/, no framework, no build
// step, nothing fetched from the internet. This file only wires the modules together:
//   i18n.js   the Spanish and English words and formats      api.js      the REST API client
//   ui.js     DOM helpers, notices, the three views            place.js    place and filters
//   stations.js  the live Nearby list (SSE)                    map.js      the optional map
//   reserve.js   the reservation dialog                        later.js    "book later" slots
//   account.js   sign-in, profile, Green Cards, top-ups        history.js  reservations,
//                                                                          sessions, NPS, messages

import { initAccount } from "./js/account.js";
import { initHistory } from "./js/history.js";
import { lang, onLangChange, setLang, translate } from "./js/i18n.js";
import { initLater } from "./js/later.js";
import { initMap } from "./js/map.js";
import { initPlace } from "./js/place.js";
import { initReserve } from "./js/reserve.js";
import { initStations } from "./js/stations.js";
import { $, hideNotice, showView } from "./js/ui.js";

function languageButton() {
  $("#lang").setAttribute("lang", lang === "es" ? "en" : "es");
}

translate();
languageButton();
$("#lang").addEventListener("click", () => setLang(lang === "es" ? "en" : "es"));
$("#notice-close").addEventListener("click", hideNotice);
onLangChange(languageButton);

initReserve();
initMap();
initStations();
initLater();
initHistory();
initAccount();
window.addEventListener("hashchange", showView);
showView();
// Last: settling the place runs the first availability query.
initPlace();
