// "My account": signing in, registering (then signing in with the same credentials) and
// signing out; once signed in, the profile and the Green Cards with their balance, points and
// top-up buttons (10, 20 and 50 €). The history below them belongs to history.js.

import { api, forgetToken, onSignedOut, saveToken, token } from "./api.js";
import { issueCard, listCards, topUp } from "./cards.js";
import { payAtProvider, paymentOnReturn } from "./provider.js";
import { loadHistory, renderHistory } from "./history.js";
import { money, onLangChange, t } from "./i18n.js";
import { hideResult, resumePending } from "./reserve.js";
import { $, busy, el, notice, onView } from "./ui.js";

const TOP_UPS_CENTS = [1000, 2000, 5000];

let profile = null;
let cards = [];

function showSignedIn(signedIn) {
  $("#signed-out").hidden = signedIn;
  $("#signed-in").hidden = !signedIn;
}

async function signIn(email, password) {
  const session = await api("/auth/login", { method: "POST", body: { email, password } });
  saveToken(session);
  showSignedIn(true);
  await loadAccount();
  resumePending();
}

async function onLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await busy(form.querySelector("button[type=submit]"), async () => {
    try {
      await signIn(form.email.value.trim(), form.password.value);
      form.reset();
    } catch (error) {
      // The server's 401 speaks of tokens; the driver typed an email and a password.
      notice(error.status === 401 ? t("badCredentials") : error.message, { error: true });
    }
  });
}

async function onRegister(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = {
    email: form.email.value.trim(),
    password: form.password.value,
    name: form.fullName.value.trim(),
    segment: form.segment.value,
  };
  if (form.bankAccount.value.trim()) body.bankAccount = form.bankAccount.value.replace(/\s+/g, "");
  await busy(form.querySelector("button[type=submit]"), async () => {
    try {
      await api("/members", { method: "POST", body });
      await signIn(body.email, body.password);
      form.reset();
    } catch (error) {
      notice(error.message, { error: true });
    }
  });
}

async function onLogout(event) {
  await busy(event.currentTarget, async () => {
    try {
      await api("/auth/logout", { method: "POST", auth: true });
    } catch {
      // Signed out here whatever the server says; the token expires anyway.
    }
    forgetToken();
    hideResult();
    profile = null;
    cards = [];
    showSignedIn(false);
  });
}

/** Loads the profile, cards and history; a failure shows and leaves the rest. */
export async function loadAccount() {
  if (!token()) return;
  try {
    [profile, cards] = await Promise.all([api("/me", { auth: true }), listCards()]);
    renderProfile();
    renderCards();
  } catch (error) {
    if (error.status !== 401) notice(error.message, { error: true });
    return;
  }
  await loadHistory();
  await afterProvider();
}

/** Back from the provider's page: the top-up's outcome, once the provider confirmed it. */
async function afterProvider() {
  try {
    const payment = await paymentOnReturn();
    if (!payment) return;
    if (payment.status === "Paid") {
      cards = await listCards();
      renderCards();
      const card = cards.find((c) => c.idTag === payment.idTag);
      notice(t("topUpDone", { amount: money(card ? card.balanceCents : 0) }));
    } else if (payment.status === "Failed") {
      notice(t("topUpFailed"), { error: true });
    } else {
      notice(t("topUpPending"));
    }
  } catch (error) {
    notice(error.message, { error: true });
  }
}

function renderProfile() {
  if (!profile) return;
  $("#hello").textContent = t("hello", { name: profile.name });
  $("#member-no").textContent = `${t("memberNo", { n: profile.memberNumber })} · ${profile.email}`;
}

function renderCards() {
  const list = $("#cards");
  list.replaceChildren(...cards.map(cardItem));
  $("#no-cards").hidden = cards.length > 0;
  $("#issue-card").hidden = cards.length > 0;
}

function cardItem(card) {
  const buttons = TOP_UPS_CENTS.map((cents) =>
    el("button", {
      type: "button",
      "data-testid": `topup-${card.idTag}-${cents}`,
      text: t("topUp", { amount: money(cents) }),
      disabled: card.status !== "Active",
      onclick: (event) => busy(event.currentTarget, () => onTopUp(card.idTag, cents)),
    }),
  );
  return el(
    "li",
    { class: "green-card", "data-testid": `card-${card.idTag}` },
    el("p", { class: "tag", text: `${card.idTag} · ${t(`cardStatus.${card.status}`)}` }),
    el(
      "dl",
      {},
      el("dt", { text: t("balance") }),
      el("dd", {
        "data-testid": `balance-${card.idTag}`,
        "data-cents": String(card.balanceCents),
        text: money(card.balanceCents),
      }),
      el("dt", { text: t("points") }),
      el("dd", { text: String(card.points) }),
    ),
    el("div", { class: "top-ups" }, buttons),
  );
}

async function onTopUp(idTag, cents) {
  try {
    const card = await topUp(idTag, cents);
    if (card.redirect) {
      payAtProvider(card);
      return;
    }
    cards = cards.map((c) => (c.idTag === card.idTag ? card : c));
    renderCards();
    notice(t("topUpDone", { amount: money(card.balanceCents) }));
  } catch (error) {
    notice(error.message, { error: true });
  }
}

async function onIssueCard(event) {
  await busy(event.currentTarget, async () => {
    try {
      const card = await issueCard();
      cards = [...cards, card];
      renderCards();
      notice(t("cardIssued", { tag: card.idTag }));
    } catch (error) {
      notice(error.message, { error: true });
    }
  });
}

export function initAccount() {
  $("#login-form").addEventListener("submit", onLogin);
  $("#register-form").addEventListener("submit", onRegister);
  $("#logout").addEventListener("click", onLogout);
  $("#issue-card").addEventListener("click", onIssueCard);
  onSignedOut(() => {
    if (!$("#signed-in").hidden) notice(t("signedOut"), { error: true });
    showSignedIn(false);
  });
  onView((view) => {
    if (view === "account") loadAccount();
  });
  onLangChange(() => {
    renderProfile();
    if (token()) renderCards();
    renderHistory();
  });
  document.addEventListener("citere:reserved", () => loadHistory());
  showSignedIn(Boolean(token()));
}
