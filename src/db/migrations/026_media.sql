-- Photos people send (#16): one row per platform file, so a complaint names its photos the same
-- way whatever the channel (`media:<id>`). A Telegram photo is its file_id (the bytes stay with
-- Telegram and are fetched when another channel or the API needs them, then kept); a WeChat
-- photo's bytes are kept at once, since a personal account's message cannot be fetched again later.
CREATE TABLE linli.media (
  id            bigserial PRIMARY KEY,
  channel       text NOT NULL,
  ref           text NOT NULL,
  content_type  text,
  size          integer,
  bytes         bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, ref)
);
