-- Group and private chats bound to orgs, single-use bind codes, and the ids of chat
-- updates already handled (Telegram resends an update it thinks was not acknowledged).

CREATE TABLE linli.chats (
  id                bigserial PRIMARY KEY,
  channel           text NOT NULL CHECK (channel IN ('telegram', 'wechat')),
  -- the platform's chat id; WeChat room ids are not permanent on every puppet, so a chat can
  -- be bound again under its new id (the old row is unbound by an admin)
  external_chat_id  text NOT NULL CHECK (length(external_chat_id) BETWEEN 1 AND 200),
  org_id            bigint NOT NULL REFERENCES linli.orgs (id),
  purpose           text NOT NULL CHECK (purpose IN ('residents', 'handlers')),
  title             text,
  bound_via         text NOT NULL CHECK (bound_via IN ('code', 'admin')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chats_channel_external_unique UNIQUE (channel, external_chat_id)
);
CREATE INDEX chats_org ON linli.chats (org_id, purpose);

CREATE TABLE linli.bind_codes (
  id          bigserial PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  org_id      bigint NOT NULL REFERENCES linli.orgs (id),
  purpose     text NOT NULL CHECK (purpose IN ('residents', 'handlers')),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  chat_id     bigint REFERENCES linli.chats (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE linli.processed_updates (
  channel     text NOT NULL,
  update_id   text NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, update_id)
);
CREATE INDEX processed_updates_seen ON linli.processed_updates (seen_at);

-- the one explanation an unbound group gets (at most once a day)
CREATE TABLE linli.unbound_chat_notices (
  channel           text NOT NULL,
  external_chat_id  text NOT NULL,
  noticed_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, external_chat_id)
);
