-- Members' monthly invoices. One series (F), numbered without gaps: a number is taken from
-- the series in the same transaction that writes the invoice, and only for an invoice that
-- will be written (one per member and month). Amounts include VAT; each invoice shows its
-- base, its VAT and the rate.
CREATE TABLE invoice_series (
    series      TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);
INSERT INTO invoice_series (series, last_number) VALUES ('F', 0);
CREATE TABLE invoices (
    number       TEXT PRIMARY KEY,
    member_id    BIGINT NOT NULL,
    month        TEXT NOT NULL,
    issued_at_ms BIGINT NOT NULL,
    vat_percent  BIGINT NOT NULL,
    base_cents   BIGINT NOT NULL,
    vat_cents    BIGINT NOT NULL,
    total_cents  BIGINT NOT NULL,
    lines        TEXT NOT NULL,
    UNIQUE (member_id, month)
);
