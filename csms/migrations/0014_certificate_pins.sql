-- The SHA-256 of the certificate the CSMS last signed for a charge point (SignCertificate) and
-- the charge point installed: under security profile 3 it then connects with that certificate
-- only, so a certificate signed before (or a stolen key's) stops working at the next one.
ALTER TABLE charge_points ADD COLUMN certificate_sha256 TEXT;
