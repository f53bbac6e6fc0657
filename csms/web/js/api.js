// The page's only door to the csms REST API (same origin, `/api/v1`): JSON in and out, the
// member's bearer token (kept in localStorage), and problem+json errors turned into
// `ApiError`s whose `message` is the server's `detail`, ready to show to the driver.

import { t } from "./i18n.js";

const TOKEN_KEY = "citere.token";
const signedOutListeners = [];

export class ApiError extends Error {
  constructor(status, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export function token() {
  try {
    const saved = JSON.parse(localStorage.getItem(TOKEN_KEY) || "null");
    if (saved && new Date(saved.expiresAt) > new Date()) return saved.token;
  } catch {
    // Unreadable or unavailable storage: signed out.
  }
  return null;
}

export function saveToken(session) {
  localStorage.setItem(
    TOKEN_KEY,
    JSON.stringify({ token: session.token, expiresAt: session.expiresAt }),
  );
}

export function forgetToken() {
  localStorage.removeItem(TOKEN_KEY);
}

/** Called when a member request comes back 401: the token expired or was revoked. */
export function onSignedOut(listener) {
  signedOutListeners.push(listener);
}

/**
 * Calls `path` (under /api/v1). `auth` sends the member's token. Resolves to the parsed body
 * (null for 204); rejects with an ApiError (status 0 when the server cannot be reached).
 */
export async function api(path, { method = "GET", body, auth = false } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const bearer = auth ? token() : null;
  if (auth && !bearer) {
    signedOut();
    throw new ApiError(401, t("signedOut"));
  }
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, t("networkError"));
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed;
  if (response.status === 401 && auth) {
    forgetToken();
    signedOut();
  }
  const detail = (parsed && (parsed.detail || parsed.title)) || `HTTP ${response.status}`;
  if (response.status === 429) {
    const seconds = Number(response.headers.get("Retry-After")) || 1;
    throw new ApiError(429, t("retryIn", { detail, s: seconds }), seconds);
  }
  throw new ApiError(response.status, detail);
}

function signedOut() {
  for (const listener of signedOutListeners) listener();
}

/** A random key (hex), also where `crypto.randomUUID` is missing (plain http off localhost). */
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
