-- The reconciler's index of queued deliveries by channel and id (012) served claim_delivery too:
-- its generic plan looked for an earlier message to the chat and counted the chat's messages in
-- flight through `(channel, id)`, filtering the chat out of every message queued to the channel
-- (the two indexes cost alike while statistics say little is queued). During a fan-out of
-- thousands of notices each claim then read the whole backlog. The index now has a predicate only
-- the reconciler's query implies (`created_at < $cutoff` implies `created_at IS NOT NULL`; the
-- claims say nothing of created_at), so the claims use deliveries_queued_by_chat.
CREATE INDEX deliveries_queued_since ON linli.deliveries (channel, id)
  WHERE status = 'queued' AND created_at IS NOT NULL;
DROP INDEX linli.deliveries_queued_by_id;
