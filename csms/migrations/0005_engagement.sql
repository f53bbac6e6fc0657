-- Engagement: mail delivery of the outbox, member contacts and NPS answers.

ALTER TABLE member_messages ADD COLUMN delivered_at_ms BIGINT;
CREATE INDEX member_messages_undelivered ON member_messages (delivered_at_ms, id);

-- A contact with customer service (chat, phone, WhatsApp); each ends with an NPS question.
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    channel       TEXT NOT NULL,
    summary       TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- One answer per session and per contact.
CREATE TABLE nps_answers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       BIGINT NOT NULL REFERENCES members (id),
    transaction_id  BIGINT UNIQUE,
    contact_id      BIGINT UNIQUE,
    charge_point_id TEXT,
    score           BIGINT NOT NULL CHECK (score BETWEEN 0 AND 10),
    comment         TEXT,
    created_at_ms   BIGINT NOT NULL
);
CREATE INDEX nps_answers_time ON nps_answers (created_at_ms);
