-- Members (drivers), their login tokens, and the Green Cards they own.

CREATE TABLE members (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL,
    segment       TEXT NOT NULL,
    -- stored whole for direct debits; the API only ever shows the last 4 characters
    bank_account  TEXT,
    created_at_ms BIGINT NOT NULL
);

-- Bearer tokens, stored as the SHA-256 of the token: a leaked table logs nobody in.
CREATE TABLE member_tokens (
    token_hash    TEXT PRIMARY KEY,
    member_id     BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX member_tokens_member ON member_tokens (member_id);

CREATE TABLE green_cards (
    id_tag        TEXT PRIMARY KEY,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    status        TEXT NOT NULL,
    balance_cents BIGINT NOT NULL DEFAULT 0,
    points        BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX green_cards_member ON green_cards (member_id);
