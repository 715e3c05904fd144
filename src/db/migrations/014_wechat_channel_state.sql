-- The WeChat channel across processes: the `wechat` process stamps `login_updated_at` whenever it
-- reports its status (at least every 15 s), so an API process can tell a silent (dead) wechat
-- process from a healthy one; `command` carries an operator's request to that process (a logout),
-- which it takes and clears.
ALTER TABLE linli.channel_state
  ADD COLUMN login_updated_at timestamptz,
  ADD COLUMN command jsonb;
