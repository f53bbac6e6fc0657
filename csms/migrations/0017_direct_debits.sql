-- SEPA direct debits. A member's mandate is their IBAN with the date they signed it (when they
-- gave it); its reference is derived from the member's id. Every fee a plan books against
-- SEPA (the monthly fee, an early-termination fee) is one debit, Pending until exported in a
-- pain.008 batch (Sent), Returned when the bank reports it rejected (pain.002): the fee is then
-- booked back and the subscription suspended (its allowance stops).
ALTER TABLE members ADD COLUMN mandate_signed_at_ms BIGINT;
UPDATE members SET mandate_signed_at_ms = created_at_ms WHERE bank_account IS NOT NULL;
ALTER TABLE subscriptions ADD COLUMN suspended_at_ms BIGINT;
CREATE TABLE direct_debits (
    end_to_end_id   TEXT PRIMARY KEY,
    ledger_reference TEXT NOT NULL UNIQUE,
    subscription_id BIGINT NOT NULL,
    member_id       BIGINT NOT NULL,
    amount_cents    BIGINT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    batch_id        TEXT,
    sequence        TEXT,
    return_reason   TEXT,
    refund_batch_id TEXT,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX direct_debits_status ON direct_debits (status);
CREATE INDEX direct_debits_batch ON direct_debits (batch_id);
CREATE TABLE sepa_batches (
    batch_id        TEXT PRIMARY KEY,
    collection_date TEXT NOT NULL,
    debits          BIGINT NOT NULL,
    total_cents     BIGINT NOT NULL,
    document        TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL
);
