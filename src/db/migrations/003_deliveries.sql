-- Every message Linli sends: queued here first (the source of truth), then sent by the
-- outbound queue of its channel; kept with its outcome for GET /api/v1/deliveries.

CREATE TABLE linli.deliveries (
  id                   bigserial PRIMARY KEY,
  -- a retried job or a duplicate trigger with the same key never sends twice
  idempotency_key      text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  channel              text NOT NULL CHECK (channel IN ('telegram', 'wechat')),
  chat_external_id     text NOT NULL,
  chat_kind            text NOT NULL CHECK (chat_kind IN ('group', 'private')),
  -- for scoping and filters: the org the chat or recipient belongs to, the recipient person
  org_id               bigint REFERENCES linli.orgs (id),
  person_id            bigint REFERENCES linli.people (id),
  message              jsonb NOT NULL,
  urgent               boolean NOT NULL DEFAULT false,
  status               text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts             integer NOT NULL DEFAULT 0,
  -- quiet hours hold a non-urgent message until this time
  not_before           timestamptz NOT NULL DEFAULT now(),
  -- a worker holds a delivery while sending it, so two workers never send it at once
  claimed_until        timestamptz,
  last_error           text,
  external_message_id  text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz,
  failed_at            timestamptz,
  CONSTRAINT deliveries_idempotency_unique UNIQUE (idempotency_key)
);
CREATE INDEX deliveries_queued_by_chat ON linli.deliveries (channel, chat_external_id, id) WHERE status = 'queued';
CREATE INDEX deliveries_sent_by_chat ON linli.deliveries (channel, chat_external_id, sent_at) WHERE status = 'sent';
CREATE INDEX deliveries_sent_by_channel ON linli.deliveries (channel, sent_at) WHERE status = 'sent';
CREATE INDEX deliveries_org ON linli.deliveries (org_id, id);
CREATE INDEX deliveries_person ON linli.deliveries (person_id, id);

-- a channel-wide pause after the platform answered 429 with retry_after
CREATE TABLE linli.channel_state (
  channel       text PRIMARY KEY CHECK (channel IN ('telegram', 'wechat')),
  paused_until  timestamptz,
  -- the WeChat login as the wechat process last saw it (read by GET /api/v1/channels/wechat)
  login         jsonb,
  -- Telegram getMe, cached so a restart makes no getMe call
  bot_info      jsonb,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- WeChat has no buttons: the numbered choices a person was last offered in a chat, so their
-- bare "2" can be turned into the choice (one prompt, one answer)
CREATE TABLE linli.pending_choices (
  channel           text NOT NULL,
  chat_external_id  text NOT NULL,
  person_external_id text NOT NULL,
  choices           jsonb NOT NULL,
  expires_at        timestamptz NOT NULL,
  PRIMARY KEY (channel, chat_external_id, person_external_id)
);
