-- Owners' votes (Civil Code Art. 278): proposals of a compound, the electorate frozen when a
-- proposal opens, the current ballot of each voter and an append-only hash chain of every ballot
-- cast (the log anyone can verify). Times on the row are the truth: delayed jobs only wake the
-- worker that re-reads it.

CREATE TABLE linli.proposals (
  id                 bigserial PRIMARY KEY,
  org_id             bigint NOT NULL REFERENCES linli.orgs (id),
  title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body               text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
  options            jsonb NOT NULL DEFAULT '["同意", "反对", "弃权"]'::jsonb,
  rule               text NOT NULL CHECK (rule IN ('simple', 'art278-ordinary', 'art278-major')),
  opens_at           timestamptz NOT NULL,
  closes_at          timestamptz NOT NULL,
  secret             boolean NOT NULL DEFAULT false,
  status             text NOT NULL DEFAULT 'scheduled'
                       CHECK (status IN ('draft', 'scheduled', 'open', 'closed', 'cancelled')),
  -- minutes before closing at which owners who have not voted are reminded
  reminder_offsets   integer[] NOT NULL DEFAULT '{2880,1440}',
  reminders_sent     integer[] NOT NULL DEFAULT '{}',
  -- frozen at opening: {area, areaCents, owners, units, unitsWithoutNamedVoter, unitsWithoutOwner}
  totals             jsonb,
  result             jsonb,
  -- secret ballots: voters appear in the log under sha256(salt || person id)
  salt               text NOT NULL,
  created_by         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  opened_at          timestamptz,
  closed_at          timestamptz,
  cancelled_at       timestamptz,
  CHECK (closes_at > opens_at)
);
CREATE INDEX proposals_org ON linli.proposals (org_id, id);
CREATE INDEX proposals_pending ON linli.proposals (status, opens_at, closes_at)
  WHERE status IN ('scheduled', 'open');

CREATE TABLE linli.proposal_electorate (
  proposal_id  bigint NOT NULL REFERENCES linli.proposals (id) ON DELETE CASCADE,
  person_id    bigint NOT NULL REFERENCES linli.people (id),
  -- exclusive area of the units this person votes for (exact, m²)
  area         numeric(14, 2) NOT NULL CHECK (area > 0),
  unit_ids     bigint[] NOT NULL,
  PRIMARY KEY (proposal_id, person_id)
);

CREATE TABLE linli.ballots (
  proposal_id  bigint NOT NULL REFERENCES linli.proposals (id) ON DELETE CASCADE,
  person_id    bigint NOT NULL,
  option       text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('telegram', 'wechat', 'paper', 'api')),
  paper        boolean NOT NULL DEFAULT false,
  evidence     text,
  receipt      text NOT NULL,
  log_seq      integer NOT NULL,
  changes      integer NOT NULL DEFAULT 0,
  cast_at      timestamptz NOT NULL,
  -- the last ballot counts: one row per voter, replaced on a change
  PRIMARY KEY (proposal_id, person_id),
  FOREIGN KEY (proposal_id, person_id) REFERENCES linli.proposal_electorate (proposal_id, person_id)
);

-- append-only: hash = sha256(prev_hash || canonical JSON of entry || created_at ISO-8601)
CREATE TABLE linli.ballot_log (
  proposal_id  bigint NOT NULL REFERENCES linli.proposals (id) ON DELETE CASCADE,
  seq          integer NOT NULL CHECK (seq >= 1),
  prev_hash    text NOT NULL,
  entry        jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  hash         text NOT NULL,
  receipt      text NOT NULL,
  PRIMARY KEY (proposal_id, seq)
);
CREATE INDEX ballot_log_receipt ON linli.ballot_log (proposal_id, receipt);
