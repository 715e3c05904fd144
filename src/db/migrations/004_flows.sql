-- Flows (drafts and published versions, per org; org NULL = the built-in default everywhere),
-- conversations (one active per channel + chat + person, state in the row), and the residents
-- of units (registration through a flow, pending approval where the compound asks for it).

CREATE TABLE linli.flows (
  id            bigserial PRIMARY KEY,
  org_id        bigint REFERENCES linli.orgs (id),
  key           text NOT NULL,
  -- 0 is the draft; published versions count up from 1 and never change
  version       integer NOT NULL CHECK (version >= 0),
  definition    jsonb NOT NULL,
  builtin       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  CONSTRAINT flows_org_key_version_unique UNIQUE NULLS NOT DISTINCT (org_id, key, version)
);
CREATE INDEX flows_key ON linli.flows (key, version);

CREATE TABLE linli.conversations (
  id                bigserial PRIMARY KEY,
  channel           text NOT NULL,
  chat_external_id  text NOT NULL,
  chat_kind         text NOT NULL CHECK (chat_kind IN ('group', 'private')),
  person_id         bigint NOT NULL REFERENCES linli.people (id),
  -- who to @-mention when the engine speaks on its own (a timeout)
  person_external_id text NOT NULL,
  person_display_name text NOT NULL,
  -- the published version the conversation started on: it stays on it to the end
  flow_id           bigint NOT NULL REFERENCES linli.flows (id),
  org_id            bigint REFERENCES linli.orgs (id),
  chat_id           bigint REFERENCES linli.chats (id) ON DELETE SET NULL,
  locale            text NOT NULL DEFAULT 'zh-CN',
  step              text NOT NULL,
  answers           jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempts          integer NOT NULL DEFAULT 0,
  -- bumped on every change; a timeout job carries the seq it was set for
  seq               integer NOT NULL DEFAULT 0,
  status            text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'completed', 'cancelled', 'expired', 'failed')),
  started_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  ended_at          timestamptz
);
CREATE UNIQUE INDEX conversations_one_active ON linli.conversations (channel, chat_external_id, person_id)
  WHERE status = 'active';
CREATE INDEX conversations_expiring ON linli.conversations (expires_at) WHERE status = 'active';

CREATE TABLE linli.unit_residents (
  unit_id      bigint NOT NULL REFERENCES linli.units (id) ON DELETE CASCADE,
  person_id    bigint NOT NULL REFERENCES linli.people (id),
  status       text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  decided_at   timestamptz,
  PRIMARY KEY (unit_id, person_id)
);
