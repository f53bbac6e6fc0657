-- Reservations (now) and bookings (later) of connectors, and the members' message outbox.

CREATE TABLE reservations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       BIGINT NOT NULL REFERENCES members (id),
    charge_point_id TEXT NOT NULL,
    connector_id    BIGINT NOT NULL,
    id_tag          TEXT NOT NULL,
    -- Pending, Scheduled, Active, Used, Cancelled, Expired, Refused
    status          TEXT NOT NULL,
    starts_at_ms    BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    transaction_id  BIGINT,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL
);
CREATE INDEX reservations_calendar ON reservations (charge_point_id, connector_id, starts_at_ms);
CREATE INDEX reservations_member ON reservations (member_id, id);
CREATE INDEX reservations_open ON reservations (status, starts_at_ms);

CREATE TABLE member_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id     BIGINT NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX member_messages_member ON member_messages (member_id, id);
