-- Duty rosters for the dispatch mode round_robin (#16): per org, weekly slots and exceptions by
-- date as one document (validated by the API), and the person the last complaint went to, so the
-- next goes to whoever follows them among those on duty (read and moved under the row lock, so two
-- processes never hand out the same turn).
CREATE TABLE linli.duty_rosters (
  org_id          bigint PRIMARY KEY REFERENCES linli.orgs (id) ON DELETE CASCADE,
  roster          jsonb NOT NULL,
  last_person_id  bigint REFERENCES linli.people (id) ON DELETE SET NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
