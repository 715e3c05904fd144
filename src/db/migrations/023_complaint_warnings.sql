-- Warnings before a breach (#16): when the running acknowledge and resolve deadlines will be warned
-- of, set with the deadlines (the policy's warnAtPercent of each time limit, on the policy's
-- calendar) and cleared once the warning is enqueued, so a row holds a warning still to send only
-- while it is pending. Rows from before this migration have none (their deadlines were set without).
ALTER TABLE linli.complaints ADD COLUMN ack_warn_at timestamptz, ADD COLUMN resolve_warn_at timestamptz;
CREATE INDEX complaints_ack_warn ON linli.complaints (ack_warn_at) WHERE ack_warn_at IS NOT NULL;
CREATE INDEX complaints_resolve_warn ON linli.complaints (resolve_warn_at) WHERE resolve_warn_at IS NOT NULL;
