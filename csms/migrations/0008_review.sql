-- A session whose readings could not be true (a meter running backwards, more energy than its
-- connector can deliver in its time) is not charged: it waits here for an operator.
-- Once an operator settles it with the energy really delivered, reviewed_at_ms says when.
ALTER TABLE transactions ADD COLUMN review_reason TEXT;
ALTER TABLE transactions ADD COLUMN reviewed_at_ms BIGINT;
-- 1 when the session started at a charge point with credentials (0: its start, and so its
-- readings, were anyone's word); NULL for sessions recorded before this was kept.
ALTER TABLE transactions ADD COLUMN started_trusted BIGINT;
