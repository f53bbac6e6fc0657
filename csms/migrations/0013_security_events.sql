-- What charge points report through SecurityEventNotification (the OCPP 1.6 security
-- extension): the event's type, when it happened by the charger's clock, its free text, and
-- when we received it. At most the newest 1,000 per charge point are kept.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_at_ms BIGINT NOT NULL,
    tech_info TEXT,
    received_at_ms BIGINT NOT NULL
);
CREATE INDEX security_events_charge_point ON security_events (charge_point_id, id);
