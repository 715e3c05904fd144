-- The notices a complaint's change owes (nothing lost: a crash between COMMIT and the notifier).
-- A change writes its row here in its own transaction (the filing, a transition, an escalation by
-- the sweep, a round-robin assignment); the process that committed it tells everyone concerned
-- right after COMMIT and deletes the row. A row still here after a grace period is a notice a
-- crashed process never sent: the deadline reconciler sends it then (the deliveries' idempotency
-- keys carry complaint and version, so a half-sent notice goes out once). A row for a version the
-- complaint has since left is dropped unsent: the later change's own notice says what is true now.
CREATE TABLE linli.complaint_notices_due (
  complaint_id  bigint NOT NULL REFERENCES linli.complaints (id) ON DELETE CASCADE,
  version       integer NOT NULL,
  since         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (complaint_id, version)
);
CREATE INDEX complaint_notices_due_since ON linli.complaint_notices_due (since);
