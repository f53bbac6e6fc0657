-- A session whose readings could not be true (a meter running backwards, more energy than its
-- connector can deliver in its time) is not charged: it waits here for an operator.
ALTER TABLE transactions ADD COLUMN review_reason TEXT;
