-- WeCom (企业微信) group robots (#16): an org's officials' group can be bound as a chat on the
-- channel `wecom_robot` (its webhook key as the chat id) and receive deliveries like any chat.
-- People's identities stay on the channels where people talk (telegram, wechat).
ALTER TABLE linli.chats DROP CONSTRAINT chats_channel_check;
ALTER TABLE linli.chats ADD CONSTRAINT chats_channel_check CHECK (channel IN ('telegram', 'wechat', 'wecom_robot'));
ALTER TABLE linli.deliveries DROP CONSTRAINT deliveries_channel_check;
ALTER TABLE linli.deliveries ADD CONSTRAINT deliveries_channel_check CHECK (channel IN ('telegram', 'wechat', 'wecom_robot'));
ALTER TABLE linli.channel_state DROP CONSTRAINT channel_state_channel_check;
ALTER TABLE linli.channel_state ADD CONSTRAINT channel_state_channel_check CHECK (channel IN ('telegram', 'wechat', 'wecom_robot'));
