-- The charger's own id for a session, for protocols where the charger names it (OCPP 2.0.1's
-- transactionId): a resent start is recognised by it, and later messages find the session by
-- it. OCPP 1.6 sessions have none (the CSMS assigns their id), and are recognised by their
-- connector, id tag, meter start and start time.
ALTER TABLE transactions ADD COLUMN charger_transaction_id TEXT;
CREATE UNIQUE INDEX transactions_charger_id ON transactions (charge_point_id, charger_transaction_id)
    WHERE charger_transaction_id IS NOT NULL;
