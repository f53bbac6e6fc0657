-- Card payments through a provider that confirms them later (Redsys): one row per order, made
-- when the member asks for the top-up (the idempotency key makes a retry find the same order),
-- Pending until the provider's signed notification says Paid or Failed. Only Paid credits the
-- card, once, in the same transaction that marks it.
CREATE TABLE card_payments (
    order_id        TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    member_id       INTEGER NOT NULL,
    id_tag          TEXT NOT NULL,
    amount_cents    INTEGER NOT NULL,
    status          TEXT NOT NULL,
    response        TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);
CREATE INDEX card_payments_member ON card_payments (member_id);
