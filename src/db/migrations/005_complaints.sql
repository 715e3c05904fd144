-- Complaints (报事/投诉): filed through the complaint flow (or the API), handled in a closed
-- loop at a level of the escalation chain, with the deadlines of that level on the row (the
-- source of truth: delayed jobs only wake the worker that re-reads it).

CREATE TABLE linli.complaints (
  id                bigserial PRIMARY KEY,
  -- what the resident quotes: date of filing and a running number, e.g. 20261123-0042
  number            text NOT NULL UNIQUE,
  org_id            bigint NOT NULL REFERENCES linli.orgs (id),
  level_org_id      bigint NOT NULL REFERENCES linli.orgs (id),
  reporter_id       bigint REFERENCES linli.people (id),
  anonymous         boolean NOT NULL DEFAULT false,
  category          text NOT NULL,
  description       text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  building          text,
  unit_no           text,
  room              text,
  photos            jsonb NOT NULL DEFAULT '[]'::jsonb,
  status            text NOT NULL DEFAULT 'submitted' CHECK (status IN
                      ('submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'rejected', 'reopened', 'withdrawn')),
  level             text NOT NULL DEFAULT 'compound'
                      CHECK (level IN ('compound', 'community', 'subdistrict', 'district', 'city')),
  ack_due_at        timestamptz,
  resolve_due_at    timestamptz,
  acknowledged_at   timestamptz,
  resolved_at       timestamptz,
  closed_at         timestamptz,
  -- at the city level a breached deadline cannot escalate further: the complaint stays overdue
  overdue           boolean NOT NULL DEFAULT false,
  assignee_id       bigint REFERENCES linli.people (id),
  reopen_count      integer NOT NULL DEFAULT 0,
  escalations       integer NOT NULL DEFAULT 0,
  rating            text CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
  rating_comment    text,
  rated_at          timestamptz,
  channel           text,
  chat_external_id  text,
  version           integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_org ON linli.complaints (org_id, id);
CREATE INDEX complaints_level_org ON linli.complaints (level_org_id, id);
CREATE INDEX complaints_open_deadlines ON linli.complaints (ack_due_at, resolve_due_at)
  WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened');

-- per org: {"calendar": "natural" | "workdays", "levels": {"compound": {"*": {"ack", "resolve"}, …}, …}}
CREATE TABLE linli.escalation_policies (
  org_id      bigint PRIMARY KEY REFERENCES linli.orgs (id),
  policy      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE linli.complaint_number_seq;

CREATE TABLE linli.complaint_events (
  id              bigserial PRIMARY KEY,
  complaint_id    bigint NOT NULL REFERENCES linli.complaints (id) ON DELETE CASCADE,
  at              timestamptz NOT NULL DEFAULT now(),
  actor_person_id bigint REFERENCES linli.people (id),
  actor_label     text,
  type            text NOT NULL,
  actor_token_id  bigint REFERENCES linli.api_tokens (id),
  from_status     text,
  to_status       text,
  level_org_id    bigint REFERENCES linli.orgs (id),
  note            text,
  photos          jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX complaint_events_complaint ON linli.complaint_events (complaint_id, id);
