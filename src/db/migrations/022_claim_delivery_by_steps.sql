-- linli.claim_delivery (021), same contract, written as one simple statement per check with the
-- delivery's channel and chat as values instead of one UPDATE correlating them: the single
-- statement let the planner join the window counts through the channel-wide partial index
-- (every message of the channel sent in the window, filtered down to the chat: 130 heap pages per
-- claim once 1,300 had been sent) and find the row itself by scanning the queued index, so a claim
-- cost 1.2–2.8 ms of PostgreSQL's CPU on a young table (auto_explain, bench/conversation.ts at 60
-- residents). Each check below has one plan: the chat's indexes by (channel, chat, …), the
-- channel's by (channel, sent_at).
--
-- Takes a delivery's send lease when it may be sent now: queued, due, unclaimed (or its lease run
-- out), the channel not paused, nothing queued before it to its chat that it must follow (a reply
-- follows earlier replies; a notice, everything), and room in the chat's window, its burst window
-- (given a max) and the channel's (given a max). Messages in flight (claimed, not yet marked sent)
-- count in the chat's windows; claims for one chat are serialized by a transaction-scoped advisory
-- lock taken before the window checks, and each statement of a plpgsql function takes a new
-- snapshot, so whoever waited for the lock sees the claim committed by its holder. The final
-- UPDATE checks status and lease again under the row lock: two claimers of one delivery, one wins.
CREATE OR REPLACE FUNCTION linli.claim_delivery(
  p_id bigint, p_lease_secs double precision,
  p_chat_max integer, p_chat_window_secs double precision,
  p_burst_max integer, p_burst_window_secs double precision,
  p_channel_max integer, p_channel_window_secs double precision
) RETURNS SETOF linli.deliveries LANGUAGE plpgsql AS $$
DECLARE
  d linli.deliveries;
  t timestamptz;
  in_chat_window integer;
  in_burst_window integer;
  in_flight integer;
BEGIN
  SELECT * INTO d FROM linli.deliveries WHERE id = p_id;
  IF NOT FOUND OR d.status <> 'queued' THEN
    RETURN;
  END IF;
  t := clock_timestamp();
  IF d.not_before > t OR d.claimed_until >= t THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM linli.channel_state s WHERE s.channel = d.channel AND s.paused_until > t) THEN
    RETURN;
  END IF;

  PERFORM pg_advisory_xact_lock(hashtextextended('delivery-chat:' || d.channel || ':' || d.chat_external_id, 0));
  t := clock_timestamp();

  IF EXISTS (SELECT 1 FROM linli.deliveries e
              WHERE e.channel = d.channel AND e.chat_external_id = d.chat_external_id
                AND e.status = 'queued' AND e.id < d.id AND e.not_before <= d.not_before
                AND (e.reply OR NOT d.reply)) THEN
    RETURN;
  END IF;

  SELECT count(*) INTO in_flight FROM linli.deliveries v
   WHERE v.channel = d.channel AND v.chat_external_id = d.chat_external_id
     AND v.status = 'queued' AND v.id <> d.id AND v.claimed_until > t;
  SELECT count(*) FILTER (WHERE s.sent_at > t - make_interval(secs => p_chat_window_secs)),
         count(*) FILTER (WHERE s.sent_at > t - make_interval(secs => coalesce(p_burst_window_secs, 0)))
    INTO in_chat_window, in_burst_window
    FROM linli.deliveries s
   WHERE s.channel = d.channel AND s.chat_external_id = d.chat_external_id AND s.status = 'sent'
     AND s.sent_at > t - make_interval(secs => greatest(p_chat_window_secs, coalesce(p_burst_window_secs, 0)));
  IF in_flight + in_chat_window >= p_chat_max
     OR (p_burst_max IS NOT NULL AND in_flight + in_burst_window >= p_burst_max) THEN
    RETURN;
  END IF;

  IF p_channel_max IS NOT NULL AND (SELECT count(*) FROM (
        SELECT 1 FROM linli.deliveries c
         WHERE c.channel = d.channel AND c.status = 'sent'
           AND c.sent_at > t - make_interval(secs => p_channel_window_secs)
         LIMIT p_channel_max) channel_window) >= p_channel_max THEN
    RETURN;
  END IF;

  RETURN QUERY
  UPDATE linli.deliveries x
     SET claimed_until = clock_timestamp() + make_interval(secs => p_lease_secs), attempts = x.attempts + 1
   WHERE x.id = p_id AND x.status = 'queued'
     AND (x.claimed_until IS NULL OR x.claimed_until < clock_timestamp())
  RETURNING x.*;
END
$$;
