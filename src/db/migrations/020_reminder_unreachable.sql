-- A reminder that could not reach a recipient (Telegram: never started the bot or blocked it;
-- WeChat: not the account's friend) is marked on their receipt, with the reason, so the occurrence
-- shows how many it missed and no follow-up is sent into the same refusal.
ALTER TABLE linli.reminder_receipts
  ADD COLUMN unreachable_at     timestamptz,
  ADD COLUMN unreachable_reason text;
