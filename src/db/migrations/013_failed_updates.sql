-- Inbound updates that failed for good (not for a passing reason such as the database being
-- unreachable): kept with their error so nothing acknowledged is lost without a trace. The
-- update is marked processed in the same statement, so a redelivery is not handled twice.
CREATE TABLE linli.failed_updates (
  id          bigserial PRIMARY KEY,
  channel     text NOT NULL,
  update_id   text NOT NULL,
  error       text NOT NULL,
  message     jsonb NOT NULL,
  failed_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, update_id)
);
