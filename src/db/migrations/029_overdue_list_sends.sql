-- The daily list of overdue complaints posted to an org's officials' WeCom robots (#16): one row per
-- org and China-time working day, written in the transaction that writes the list's deliveries, so
-- each org's list goes out once a day whatever runs it (the job, the reconciler, two processes).
CREATE TABLE linli.overdue_list_sends (
  org_id   bigint NOT NULL REFERENCES linli.orgs (id) ON DELETE CASCADE,
  day      date NOT NULL,
  items    integer NOT NULL,
  sent_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, day)
);
