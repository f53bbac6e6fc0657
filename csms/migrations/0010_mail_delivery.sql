-- Mail delivery keeps count: a message the relay refused for good (or whose address no mail can
-- reach) is marked failed and never tried again; one refused for now is tried again later,
-- with a growing wait, so that it never holds back the messages behind it.
ALTER TABLE member_messages ADD COLUMN delivery_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE member_messages ADD COLUMN next_attempt_at_ms BIGINT;
ALTER TABLE member_messages ADD COLUMN delivery_failed_at_ms BIGINT;
ALTER TABLE member_messages ADD COLUMN delivery_error TEXT;
