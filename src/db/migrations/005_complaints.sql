-- Complaints (报事/投诉) as filed through the complaint flow; the closed loop, deadlines and
-- escalation extend this table in later migrations.

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
  status            text NOT NULL DEFAULT 'submitted',
  channel           text,
  chat_external_id  text,
  version           integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complaints_org ON linli.complaints (org_id, id);
CREATE SEQUENCE linli.complaint_number_seq;

CREATE TABLE linli.complaint_events (
  id              bigserial PRIMARY KEY,
  complaint_id    bigint NOT NULL REFERENCES linli.complaints (id) ON DELETE CASCADE,
  at              timestamptz NOT NULL DEFAULT now(),
  actor_person_id bigint REFERENCES linli.people (id),
  actor_label     text,
  type            text NOT NULL,
  from_status     text,
  to_status       text,
  level_org_id    bigint REFERENCES linli.orgs (id),
  note            text,
  photos          jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX complaint_events_complaint ON linli.complaint_events (complaint_id, id);
