-- Whether the operator lets a charge point in: 'Accepted', 'Pending' (auto-registered, waiting
-- for the operator's approval) or 'Rejected'. BootNotification answers with it; the answer last
-- given stays in registration_status. Every charge point so far was let in.
ALTER TABLE charge_points ADD COLUMN approval TEXT NOT NULL DEFAULT 'Accepted';
