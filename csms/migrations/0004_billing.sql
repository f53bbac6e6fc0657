-- Billing: the double-entry ledger (money in cents, points in points), card expiry and
-- loyalty count, priced sessions, promotions, experience packs, plans and direct payments.

-- Balances live in the ledger only.
ALTER TABLE green_cards DROP COLUMN balance_cents;
ALTER TABLE green_cards DROP COLUMN points;
ALTER TABLE green_cards ADD COLUMN expires_at_ms BIGINT;
ALTER TABLE green_cards ADD COLUMN paid_sessions BIGINT NOT NULL DEFAULT 0;

-- Every account's balance equals the sum of its transfers (credits minus debits); accounts of
-- one unit ('cents' or 'points') always sum to zero.
CREATE TABLE ledger_accounts (
    account       TEXT PRIMARY KEY,
    unit          TEXT NOT NULL,
    balance       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE ledger_transfers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- what moved it, unique: a retry finds its transfer instead of making another
    reference      TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    unit           TEXT NOT NULL,
    from_account   TEXT NOT NULL REFERENCES ledger_accounts (account),
    to_account     TEXT NOT NULL REFERENCES ledger_accounts (account),
    amount         BIGINT NOT NULL CHECK (amount > 0),
    created_at_ms  BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_from ON ledger_transfers (from_account);
CREATE INDEX ledger_transfers_to ON ledger_transfers (to_account);

-- What an idempotency key of an app top-up was first used for.
CREATE TABLE top_ups (
    reference     TEXT PRIMARY KEY,
    id_tag        TEXT NOT NULL,
    amount_cents  BIGINT NOT NULL,
    method        TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

ALTER TABLE transactions ADD COLUMN priced_lines TEXT;
ALTER TABLE transactions ADD COLUMN discount_name TEXT;
ALTER TABLE transactions ADD COLUMN member_id BIGINT;

CREATE TABLE promotions (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    campaign          TEXT,
    percent           BIGINT NOT NULL,
    starts_at_ms      BIGINT NOT NULL,
    ends_at_ms        BIGINT NOT NULL,
    segment           TEXT,
    max_member_number BIGINT
);

CREATE TABLE experience_packs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    points      BIGINT NOT NULL
);

CREATE TABLE redemptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    id_tag        TEXT NOT NULL,
    pack_id       TEXT NOT NULL,
    points        BIGINT NOT NULL,
    year          BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    -- once per calendar year per member
    UNIQUE (member_id, year)
);

CREATE TABLE plans (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    monthly_fee_cents       BIGINT NOT NULL,
    -- NULL: unlimited, up to the fair-use cap
    included_energy_wh      BIGINT,
    fair_use_wh             BIGINT NOT NULL,
    commitment_months       BIGINT NOT NULL,
    -- JSON: [{"fromMonth","toMonth","feeCents"}]
    early_termination_fees  TEXT NOT NULL
);

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    plan_id       TEXT NOT NULL REFERENCES plans (id),
    starts_at_ms  BIGINT NOT NULL,
    ends_at_ms    BIGINT,
    created_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX subscriptions_active ON subscriptions (member_id) WHERE ends_at_ms IS NULL;

-- Energy a plan covered, per member and month (YYYY-MM).
CREATE TABLE plan_usage (
    member_id  BIGINT NOT NULL,
    month      TEXT NOT NULL,
    energy_wh  BIGINT NOT NULL,
    PRIMARY KEY (member_id, month)
);

-- One-off tags of a bank card or cash payment at the charger.
CREATE TABLE direct_payments (
    id_tag           TEXT PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    charge_point_id  TEXT NOT NULL,
    method           TEXT NOT NULL,
    authorized_cents BIGINT NOT NULL,
    captured_cents   BIGINT,
    created_at_ms    BIGINT NOT NULL
);
