-- The foundation: charge points and connectors, id tags, tariffs, transactions and meter values.
-- Times are UTC milliseconds since the epoch (BIGINT), money integer cents.

CREATE TABLE charge_points (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    address             TEXT NOT NULL,
    latitude            DOUBLE PRECISION,
    longitude           DOUBLE PRECISION,
    password_hash       TEXT,
    tariff_id           TEXT,
    registration_status TEXT,
    vendor              TEXT,
    model               TEXT,
    serial_number       TEXT,
    firmware_version    TEXT,
    status              TEXT NOT NULL DEFAULT 'Unknown',
    last_seen_ms        BIGINT,
    created_at_ms       BIGINT NOT NULL,
    updated_at_ms       BIGINT NOT NULL
);

CREATE TABLE connectors (
    charge_point_id TEXT NOT NULL REFERENCES charge_points (id) ON DELETE CASCADE,
    connector_id    INTEGER NOT NULL,
    connector_type  TEXT,
    max_power_kw    DOUBLE PRECISION,
    status          TEXT NOT NULL DEFAULT 'Unknown',
    error_code      TEXT,
    status_at_ms    BIGINT,
    PRIMARY KEY (charge_point_id, connector_id)
);

CREATE TABLE id_tags (
    id_tag        TEXT PRIMARY KEY,
    status        TEXT NOT NULL,
    expires_at_ms BIGINT,
    parent_id_tag TEXT
);

CREATE TABLE tariffs (
    id                     TEXT PRIMARY KEY,
    price_per_kwh_cents    BIGINT NOT NULL,
    price_per_minute_cents BIGINT NOT NULL,
    session_fee_cents      BIGINT NOT NULL
);

CREATE TABLE transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT NOT NULL,
    connector_id    INTEGER NOT NULL,
    id_tag          TEXT NOT NULL,
    -- the idTagInfo status answered to StartTransaction; only Accepted ones may be running
    auth_status     TEXT NOT NULL,
    meter_start     BIGINT NOT NULL,
    started_at_ms   BIGINT NOT NULL,
    reservation_id  BIGINT,
    last_meter_wh   BIGINT,
    meter_stop      BIGINT,
    stopped_at_ms   BIGINT,
    stop_reason     TEXT,
    stop_id_tag     TEXT,
    cost_cents      BIGINT,
    discount_cents  BIGINT,
    payment_method  TEXT,
    created_at_ms   BIGINT NOT NULL,
    -- a retried StartTransaction carries the same five fields: it is the same transaction
    UNIQUE (charge_point_id, connector_id, id_tag, meter_start, started_at_ms)
);
-- at most one running accepted transaction per id tag (ConcurrentTx otherwise)
CREATE UNIQUE INDEX transactions_running_tag ON transactions (id_tag)
    WHERE stopped_at_ms IS NULL AND auth_status = 'Accepted';
CREATE INDEX transactions_charge_point ON transactions (charge_point_id, id);

CREATE TABLE meter_values (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT NOT NULL,
    connector_id    INTEGER NOT NULL,
    transaction_id  BIGINT,
    sampled_at_ms   BIGINT NOT NULL,
    -- Energy.Active.Import.Register in Wh when the sample carries it
    energy_wh       BIGINT,
    -- the sampledValue array as the charger sent it
    sampled_values  TEXT NOT NULL
);
CREATE INDEX meter_values_transaction ON meter_values (transaction_id);
