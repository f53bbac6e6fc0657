// The page's two languages: Spanish by default, English on request (remembered in
// localStorage). Owns the dictionary, `t()` for dynamic text, the `data-i18n*` attributes of
// static markup, and number, money and date formats. Every other module asks here for words.

const KEY = "citere.lang";

const es = {
  title: "CITERE · Recarga en Gijón",
  skip: "Saltar al contenido",
  switchTo: "English",
  sections: "Secciones",
  tabNear: "Cerca",
  tabLater: "Más tarde",
  tabAccount: "Mi cuenta",
  nearTitle: "Puntos de carga con conectores libres",
  placeDefault: "Cerca del centro de Gijón",
  placeHere: "Cerca de tu ubicación",
  placeGiven: "Cerca del punto indicado",
  locate: "Usar mi ubicación",
  locateFailed: "No pudimos obtener tu ubicación; mostramos Gijón.",
  filters: "Filtros",
  filterType: "Conector",
  anyType: "Todos",
  filterPower: "Potencia mínima",
  anyPower: "Cualquiera",
  filterRadius: "Distancia",
  liveOn: "En directo",
  liveOff: "Reconectando…",
  loading: "Cargando…",
  empty:
    "No hay puntos con conectores libres en esta zona. Amplía la distancia o cambia los filtros.",
  cached: "Sin conexión: datos de las {time}.",
  freeOf: "{free} de {total} libres",
  away: "a {km}",
  connector: "Conector {n}",
  badgeFree: "Libre",
  badgeBusy: "Ocupado",
  "status.Available": "Disponible",
  "status.Preparing": "Preparando",
  "status.Charging": "Cargando",
  "status.SuspendedEV": "En pausa (vehículo)",
  "status.SuspendedEVSE": "En pausa (cargador)",
  "status.Finishing": "Finalizando",
  "status.Reserved": "Reservado",
  "status.Unavailable": "Fuera de servicio",
  "status.Faulted": "Averiado",
  "status.Unknown": "Desconocido",
  reserve: "Reservar",
  reserveLabel: "Reservar el conector {n} de {name}",
  nowFree: "{name}, conector {n}: libre",
  nowBusy: "{name}, conector {n}: ocupado",
  mapShow: "Ver mapa",
  mapHide: "Ocultar mapa",
  mapAttribution: "© colaboradores de OpenStreetMap",
  laterTitle: "Reservar para más tarde",
  date: "Día",
  time: "Hora",
  duration: "Duración",
  minutes: "{n} min",
  findSlots: "Buscar huecos",
  noSlots: "No hay conectores libres a esa hora.",
  futureOnly: "Elige un momento futuro.",
  slotWhen: "{date}, {from}–{to}",
  slotsWhen: "Libres el {date}, de {from} a {to}:",
  loginTitle: "Entrar",
  email: "Correo electrónico",
  password: "Contraseña",
  login: "Entrar",
  badCredentials: "El correo o la contraseña no son correctos.",
  registerTitle: "¿Aún no eres socio? Crea tu cuenta",
  name: "Nombre",
  segment: "Tipo de cliente",
  private: "Particular",
  business: "Empresa",
  iban: "IBAN (opcional)",
  passwordHint: "Al menos 10 caracteres",
  register: "Crear cuenta",
  logout: "Salir",
  hello: "Hola, {name}",
  memberNo: "Socio n.º {n}",
  needLogin: "Entra o crea una cuenta para reservar.",
  cardsTitle: "Tarjeta Verde",
  balance: "Saldo",
  points: "Puntos",
  topUp: "Recargar {amount}",
  topUpDone: "Recarga hecha. Saldo: {amount}",
  topUpFailed: "El pago no se completó: no se ha recargado nada.",
  topUpPending: "El pago aún no está confirmado; la recarga aparecerá en cuanto lo esté.",
  issueCard: "Pedir una Tarjeta Verde",
  cardIssued: "Tarjeta Verde {tag} lista.",
  noCards: "Aún no tienes Tarjeta Verde.",
  "cardStatus.Active": "Activa",
  reservationsTitle: "Mis reservas",
  noReservations: "No tienes reservas.",
  cancel: "Anular",
  cancelled: "Reserva anulada.",
  "res.Pending": "Pendiente",
  "res.Scheduled": "Programada",
  "res.Active": "Activa",
  "res.Used": "Usada",
  "res.Cancelled": "Anulada",
  "res.Expired": "Caducada",
  "res.Refused": "Rechazada",
  sessionsTitle: "Mis sesiones de carga",
  "line.energy": "Energía · {qty}",
  "line.planEnergy": "Energía de tu tarifa plana · {qty}",
  "line.time": "Tiempo · {qty}",
  "line.sessionFee": "Tarifa por sesión",
  "line.discount": "Descuento",
  laterWhere: "{place} · hasta {km}",
  noSessions: "Aún no has cargado.",
  receipt: "Recibo",
  total: "Total",
  discount: "Descuento",
  paidWith: "Pago: {method}",
  "method.green_card": "Tarjeta Verde",
  "method.plan": "Tarifa plana",
  "method.card": "Tarjeta bancaria",
  "method.cash": "Efectivo",
  "method.invoice": "Factura",
  npsQuestion: "¿Recomendarías CITERE a un amigo? Recarga del {date} en {cp}.",
  npsLow: "0 = nada probable",
  npsHigh: "10 = muy probable",
  npsComment: "Comentario (opcional)",
  npsSend: "Enviar",
  npsPick: "Elige una nota de 0 a 10.",
  npsThanks: "¡Gracias por tu opinión!",
  messagesTitle: "Mensajes",
  noMessages: "No hay mensajes.",
  dialogTitle: "Reservar",
  dialogNow: "Ahora. Te guardamos el conector unos minutos.",
  dialogLater: "{date}, de {from} a {to}",
  card: "Tarjeta Verde",
  noCardToReserve: "Para reservar necesitas una Tarjeta Verde.",
  confirm: "Confirmar reserva",
  close: "Cerrar",
  reservedNow: "Reserva confirmada: {name}, conector {n}, hasta las {time}.",
  booked: "Reserva programada: {name}, conector {n}, {when}.",
  networkError: "No hay conexión con el servidor.",
  retryIn: "{detail} Vuelve a probar en {s} s.",
  signedOut: "Tu sesión ha caducado; vuelve a entrar.",
  footer: "CITERE · red pública de recarga de Gijón",
};

const en = {
  title: "CITERE · Charging in Gijón",
  skip: "Skip to content",
  switchTo: "Español",
  sections: "Sections",
  tabNear: "Nearby",
  tabLater: "Later",
  tabAccount: "My account",
  nearTitle: "Charge points with free connectors",
  placeDefault: "Near the centre of Gijón",
  placeHere: "Near your location",
  placeGiven: "Near the given place",
  locate: "Use my location",
  locateFailed: "Could not get your location; showing Gijón.",
  filters: "Filters",
  filterType: "Connector",
  anyType: "All",
  filterPower: "Minimum power",
  anyPower: "Any",
  filterRadius: "Distance",
  liveOn: "Live",
  liveOff: "Reconnecting…",
  loading: "Loading…",
  empty: "No charge points with free connectors here. Widen the distance or change the filters.",
  cached: "Offline: data from {time}.",
  freeOf: "{free} of {total} free",
  away: "{km} away",
  connector: "Connector {n}",
  badgeFree: "Free",
  badgeBusy: "Occupied",
  "status.Available": "Available",
  "status.Preparing": "Preparing",
  "status.Charging": "Charging",
  "status.SuspendedEV": "Paused (vehicle)",
  "status.SuspendedEVSE": "Paused (charger)",
  "status.Finishing": "Finishing",
  "status.Reserved": "Reserved",
  "status.Unavailable": "Out of service",
  "status.Faulted": "Faulted",
  "status.Unknown": "Unknown",
  reserve: "Reserve",
  reserveLabel: "Reserve connector {n} of {name}",
  nowFree: "{name}, connector {n}: free",
  nowBusy: "{name}, connector {n}: occupied",
  mapShow: "Show map",
  mapHide: "Hide map",
  mapAttribution: "© OpenStreetMap contributors",
  laterTitle: "Book for later",
  date: "Day",
  time: "Time",
  duration: "Duration",
  minutes: "{n} min",
  findSlots: "Find slots",
  noSlots: "No free connectors at that time.",
  futureOnly: "Pick a time in the future.",
  slotWhen: "{date}, {from}–{to}",
  slotsWhen: "Free on {date}, {from} to {to}:",
  loginTitle: "Sign in",
  email: "Email",
  password: "Password",
  login: "Sign in",
  badCredentials: "Wrong email or password.",
  registerTitle: "Not a member yet? Create your account",
  name: "Name",
  segment: "Customer type",
  private: "Private",
  business: "Business",
  iban: "IBAN (optional)",
  passwordHint: "At least 10 characters",
  register: "Create account",
  logout: "Sign out",
  hello: "Hello, {name}",
  memberNo: "Member no. {n}",
  needLogin: "Sign in or create an account to reserve.",
  cardsTitle: "Green Card",
  balance: "Balance",
  points: "Points",
  topUp: "Top up {amount}",
  topUpDone: "Topped up. Balance: {amount}",
  topUpFailed: "The payment did not go through: nothing was topped up.",
  topUpPending: "The payment is not confirmed yet; the top-up shows as soon as it is.",
  issueCard: "Get a Green Card",
  cardIssued: "Green Card {tag} is ready.",
  noCards: "You have no Green Card yet.",
  "cardStatus.Active": "Active",
  reservationsTitle: "My reservations",
  noReservations: "You have no reservations.",
  cancel: "Cancel",
  cancelled: "Reservation cancelled.",
  "res.Pending": "Pending",
  "res.Scheduled": "Scheduled",
  "res.Active": "Active",
  "res.Used": "Used",
  "res.Cancelled": "Cancelled",
  "res.Expired": "Expired",
  "res.Refused": "Refused",
  sessionsTitle: "My charging sessions",
  "line.energy": "Energy · {qty}",
  "line.planEnergy": "Energy in your flat-rate plan · {qty}",
  "line.time": "Time · {qty}",
  "line.sessionFee": "Session fee",
  "line.discount": "Discount",
  laterWhere: "{place} · within {km}",
  noSessions: "No charging sessions yet.",
  receipt: "Receipt",
  total: "Total",
  discount: "Discount",
  paidWith: "Paid with: {method}",
  "method.green_card": "Green Card",
  "method.plan": "Flat-rate plan",
  "method.card": "Bank card",
  "method.cash": "Cash",
  "method.invoice": "Invoice",
  npsQuestion: "Would you recommend CITERE to a friend? Session of {date} at {cp}.",
  npsLow: "0 = not at all likely",
  npsHigh: "10 = extremely likely",
  npsComment: "Comment (optional)",
  npsSend: "Send",
  npsPick: "Pick a score from 0 to 10.",
  npsThanks: "Thank you for your feedback!",
  messagesTitle: "Messages",
  noMessages: "No messages.",
  dialogTitle: "Reserve",
  dialogNow: "Now. We hold the connector for you for a few minutes.",
  dialogLater: "{date}, {from} to {to}",
  card: "Green Card",
  noCardToReserve: "You need a Green Card to reserve.",
  confirm: "Confirm reservation",
  close: "Close",
  reservedNow: "Reservation confirmed: {name}, connector {n}, until {time}.",
  booked: "Reservation booked: {name}, connector {n}, {when}.",
  networkError: "The server cannot be reached.",
  retryIn: "{detail} Try again in {s} s.",
  signedOut: "Your session has expired; please sign in again.",
  footer: "CITERE · Gijón's public charging network",
};

const DICTIONARIES = { es, en };
const LOCALES = { es: "es-ES", en: "en-GB" };
const listeners = [];

function stored() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export let lang = stored() === "en" ? "en" : "es";

/** The text of `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = DICTIONARIES[lang][key] ?? es[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** Fills the static markup under `root`: `data-i18n` (text), `data-i18n-label` (aria-label). */
export function translate(root = document) {
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
}

/** Switches language, remembers it, re-translates, and tells whoever re-renders dynamic text. */
export function setLang(next) {
  lang = next === "en" ? "en" : "es";
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // Private browsing may refuse storage; the switch still works for this visit.
  }
  translate();
  for (const listener of listeners) listener(lang);
}

export function onLangChange(listener) {
  listeners.push(listener);
}

export function money(cents) {
  return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency: "EUR" }).format(
    cents / 100,
  );
}

export function km(value) {
  if (value < 1) return `${Math.round(value * 100) * 10} m`;
  const digits = value < 10 ? 1 : 0;
  return `${value.toLocaleString(LOCALES[lang], { maximumFractionDigits: digits })} km`;
}

export function kw(value) {
  return value == null ? "" : `${value.toLocaleString(LOCALES[lang])} kW`;
}

export function kwh(wh) {
  return `${(wh / 1000).toLocaleString(LOCALES[lang], { maximumFractionDigits: 2 })} kWh`;
}

export function minutes(seconds) {
  return `${Math.max(1, Math.round(seconds / 60)).toLocaleString(LOCALES[lang])} min`;
}

export function date(iso) {
  return new Date(iso).toLocaleDateString(LOCALES[lang], { day: "numeric", month: "short" });
}

export function time(iso) {
  return new Date(iso).toLocaleTimeString(LOCALES[lang], { hour: "2-digit", minute: "2-digit" });
}
