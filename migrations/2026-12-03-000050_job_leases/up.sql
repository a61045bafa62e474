-- A running job is leased: the process running it (a server node or a `dailies-server
-- worker`) names itself in lease_owner and renews lease_until while it works. A job whose
-- lease ran out (its process was killed) is taken by another.
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TIMESTAMP;
