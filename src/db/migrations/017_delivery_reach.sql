-- Reach: every message to a person has a route that works, or says why it has none.
-- A private message the platform refuses (Telegram: the user never started the bot or blocked it;
-- WeChat: not the account's friend) is sent instead as `fallback`, a message to the person's group
-- that @-mentions them, when its content may be seen there; the refused delivery becomes
-- 'rerouted' and names the delivery that replaced it. Without a fallback, or when that fails too,
-- the delivery is 'unreachable' with the reason, and the module that sent it (its `subject`,
-- e.g. 'complaint:12:reporter') records it where people look (a complaint's timeline).
ALTER TABLE linli.deliveries
  ADD COLUMN fallback    jsonb,
  ADD COLUMN subject     text CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 200),
  ADD COLUMN rerouted_to bigint REFERENCES linli.deliveries (id),
  -- to someone who must stay unnamed (an anonymous reporter): GET /deliveries withholds the person
  -- and the chat from tokens below the community level, as the complaint views do
  ADD COLUMN discreet    boolean NOT NULL DEFAULT false;

ALTER TABLE linli.deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE linli.deliveries ADD CONSTRAINT deliveries_status_check
  CHECK (status IN ('queued', 'sent', 'failed', 'rerouted', 'unreachable'));
CREATE INDEX deliveries_rerouted_to ON linli.deliveries (rerouted_to) WHERE rerouted_to IS NOT NULL;
