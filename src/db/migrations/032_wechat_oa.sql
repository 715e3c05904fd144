-- WeChat Official Account (服务号) channel `wechat_oa` (#19): its followers are people with an
-- identity on it (their OpenID), its private chats take deliveries and ballots, and its 429-like
-- pauses live in channel_state like every channel's. Groups are not bound on it (it has none).
ALTER TABLE linli.identities DROP CONSTRAINT identities_channel_check;
ALTER TABLE linli.identities ADD CONSTRAINT identities_channel_check CHECK (channel IN ('telegram', 'wechat', 'wechat_oa'));
ALTER TABLE linli.deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE linli.deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('telegram', 'wechat', 'wechat_oa', 'wecom_robot'));
ALTER TABLE linli.channel_state DROP CONSTRAINT channel_state_channel_check;
ALTER TABLE linli.channel_state ADD CONSTRAINT channel_state_channel_check CHECK (channel IN ('telegram', 'wechat', 'wechat_oa', 'wecom_robot'));
ALTER TABLE linli.ballots DROP CONSTRAINT ballots_channel_check;
ALTER TABLE linli.ballots ADD CONSTRAINT ballots_channel_check CHECK (channel IN ('telegram', 'wechat', 'wechat_oa', 'paper', 'api'));

-- The account's access_token, shared by every process: fetching a new one from WeChat ends the
-- old one (after a few minutes), so one process refreshes, holding the row's short lease, and the
-- others wait for what it stores (src/channels/wechat-oa/access-token.ts). No lock is held across
-- the call to WeChat: on the embedded database one open transaction would stop every other query.
CREATE TABLE linli.wechat_oa_tokens (
  app_id        text PRIMARY KEY,
  access_token  text,
  expires_at    timestamptz,
  fetched_at    timestamptz,
  lease_until   timestamptz
);
