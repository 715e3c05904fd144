-- The monthly digest posted to a compound's residents' groups (#16): one row per compound and
-- covered month, written in the transaction that writes the digest's deliveries, so each compound's
-- digest goes out once whatever runs it (the job, the reconciler, two processes).
CREATE TABLE linli.digest_sends (
  org_id   bigint NOT NULL REFERENCES linli.orgs (id) ON DELETE CASCADE,
  month    text NOT NULL CHECK (month ~ '^\d{4}-\d{2}$'),
  sent_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, month)
);
