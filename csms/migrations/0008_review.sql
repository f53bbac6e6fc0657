-- A session whose readings could not be true (a meter running backwards, more energy than its
-- connector can deliver in its time) is not charged: it waits here for an operator.
-- Once an operator settles it with the energy really delivered, reviewed_at_ms says when.
ALTER TABLE transactions ADD COLUMN review_reason TEXT;
ALTER TABLE transactions ADD COLUMN reviewed_at_ms BIGINT;
