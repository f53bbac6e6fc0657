-- A charge point's credentials on their way to new ones: the password sent to it with
-- ChangeConfiguration AuthorizationKey, and the security profile sent with SecurityProfile.
-- Until it connects with the new one, the old one still lets it in (a charger that missed or
-- could not apply the change is never locked out); a connection with the new one makes it
-- the only one.
ALTER TABLE charge_points ADD COLUMN pending_password_hash TEXT;
ALTER TABLE charge_points ADD COLUMN pending_security_profile BIGINT;
