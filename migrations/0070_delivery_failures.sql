-- Hosts Herd fails to deliver to (src/federation/delivery-failures.ts), as
-- Mastodon's DeliveryFailureTracker and UnavailableDomain: each day on which
-- a delivery to the host failed, until one succeeds or the host sends an
-- activity; once failures span FAILURE_DAYS (7) distinct days the host is
-- unavailable (`unavailable_since`) and deliveries to it are skipped. A host
-- that answers again loses its row.
CREATE TABLE delivery_failures (
  -- The inbox URL's host (with its port, when not the default one), lowercase.
  host text PRIMARY KEY,
  -- The distinct UTC days with a failed delivery, oldest first.
  failure_days date[] NOT NULL DEFAULT '{}',
  unavailable_since timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
