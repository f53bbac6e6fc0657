-- Refunds of card payments through the provider that collected them (Redsys): the whole
-- payment, once. `Pending` from the moment the card is debited until Redsys answers;
-- `Refunded` when it did; `Failed` when it refused the first request (the card is credited
-- back in the same transaction). An unknown outcome stays `Pending` until asked again.
ALTER TABLE card_payments ADD COLUMN refund_status TEXT;
ALTER TABLE card_payments ADD COLUMN refund_response TEXT;
ALTER TABLE card_payments ADD COLUMN refund_updated_at_ms BIGINT;
-- How many requests were sent to Redsys: a refusal puts the money back only when exactly one
-- was ever sent (a refusal of a second one may mean the first went through).
ALTER TABLE card_payments ADD COLUMN refund_attempts BIGINT NOT NULL DEFAULT 0;
