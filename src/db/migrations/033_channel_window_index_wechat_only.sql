-- The channel-wide count of sent messages is kept only for WeChat (its daily cap per account:
-- pacing.ts channelWindow); every other channel's whole-bot limit is counted in memory. The
-- index on (channel, sent_at) for every channel let the planner count a chat's window through it
-- (claim_delivery's generic plan: `channel = $1 AND sent_at > …`, then the chat filtered out of
-- every message the channel sent in the window: 150–270 rows removed, 0.1–1.2 ms a claim at 60
-- residents in bench/conversation.ts, against ~0.01 ms through deliveries_sent_by_chat). As a
-- partial index on WeChat alone, a generic plan cannot use it for a chat, and WeChat's count has it.
DROP INDEX linli.deliveries_sent_by_channel;
CREATE INDEX deliveries_sent_wechat ON linli.deliveries (sent_at) WHERE status = 'sent' AND channel = 'wechat';
