-- A running transaction's last reading is kept on its row, moved forward once per group commit
-- by the samples it received; meter samples become an append-only log. The index on their
-- transaction made every sample of every running transaction dirty a page of its own.
UPDATE transactions SET last_meter_wh = (
    SELECT MAX(m.energy_wh) FROM meter_values m
    WHERE m.transaction_id = transactions.id AND m.charge_point_id = transactions.charge_point_id
) WHERE stopped_at_ms IS NULL AND last_meter_wh IS NULL;
DROP INDEX meter_values_transaction;
