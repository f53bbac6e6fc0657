// Small DOM helpers shared by every view: building elements without innerHTML (so nothing a
// server or a driver typed can become markup), the notice bar, the screen-reader announcer,
// and switching between the three views (Nearby, Later, My account) by the URL hash.

/** Creates `<tag>` with attributes (`text`, `dataset`, `on*` handled) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

let noticeTimer = null;

/** Shows a message in the notice bar (`role=status`, or `role=alert` for errors). */
export function notice(message, { error = false } = {}) {
  const bar = $("#notice");
  bar.hidden = false;
  bar.classList.toggle("error", error);
  bar.setAttribute("role", error ? "alert" : "status");
  bar.dataset.kind = error ? "error" : "info";
  $("#notice-text").textContent = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(
    () => {
      bar.hidden = true;
    },
    error ? 12000 : 8000,
  );
}

export function hideNotice() {
  $("#notice").hidden = true;
}

/** Says `message` to screen readers only (polite live region). */
export function announce(message) {
  const live = $("#live");
  live.textContent = "";
  // A fresh node after a tick makes screen readers repeat identical messages.
  setTimeout(() => {
    live.textContent = message;
  }, 50);
}

const VIEWS = { "#cerca": "near", "#despues": "later", "#cuenta": "account" };
const viewListeners = [];

export function onView(listener) {
  viewListeners.push(listener);
}

/** Shows the view the hash names (Nearby by default). */
export function showView() {
  const view = VIEWS[location.hash] || "near";
  for (const section of document.querySelectorAll("[data-view]")) {
    section.hidden = section.dataset.view !== view;
  }
  for (const link of document.querySelectorAll("[data-tab]")) {
    if (link.dataset.tab === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const listener of viewListeners) listener(view);
}

export function goTo(hash) {
  if (location.hash === hash) showView();
  else location.hash = hash;
}

/** Disables `button` while `work` runs, so a double tap does not send twice. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
