-- How a charge point proves who it is (OCPP security profiles): 1, a password over ws:// or
-- wss://; 2, a password over wss:// only; 3, a client certificate naming it, over wss://. Every
-- charge point so far connected with profile 1.
ALTER TABLE charge_points ADD COLUMN security_profile INTEGER NOT NULL DEFAULT 1;
