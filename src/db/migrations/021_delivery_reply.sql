-- A reply to the person who just wrote (they are waiting) is marked, so that order per chat holds
-- among replies without holding a reply behind the notices queued to the same group earlier:
-- notices keep their order behind everything queued before them; a reply only behind replies.
ALTER TABLE linli.deliveries ADD COLUMN reply boolean NOT NULL DEFAULT false;

-- Takes a delivery's send lease when it may be sent now, in one round trip, for the outbound
-- worker and for replies sent at once alike: queued, due, unclaimed (or its lease run out), the
-- channel not paused, nothing queued before it to its chat that it must follow (a reply follows
-- earlier replies; a notice, everything), and room in the chat's window, its burst window (given a
-- max: a Telegram group's 1/s beside its 20/min) and (given a max) the channel's. Messages in flight (claimed, not yet marked sent) count in the windows, and claims for
-- one chat are serialized by a transaction-scoped advisory lock, so two senders cannot both find the
-- last slot of a chat's window free. plpgsql: each statement takes a new snapshot, so the UPDATE sees
-- a claim committed by whoever held the lock before.
CREATE FUNCTION linli.claim_delivery(
  p_id bigint, p_lease_secs double precision,
  p_chat_max integer, p_chat_window_secs double precision,
  p_burst_max integer, p_burst_window_secs double precision,
  p_channel_max integer, p_channel_window_secs double precision
) RETURNS SETOF linli.deliveries LANGUAGE plpgsql AS $$
DECLARE
  d linli.deliveries;
BEGIN
  SELECT * INTO d FROM linli.deliveries WHERE id = p_id;
  IF NOT FOUND OR d.status <> 'queued' THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('delivery-chat:' || d.channel || ':' || d.chat_external_id, 0));
  RETURN QUERY
  UPDATE linli.deliveries x
     SET claimed_until = clock_timestamp() + make_interval(secs => p_lease_secs), attempts = x.attempts + 1
   WHERE x.id = p_id AND x.status = 'queued' AND x.not_before <= clock_timestamp()
     AND (x.claimed_until IS NULL OR x.claimed_until < clock_timestamp())
     AND NOT EXISTS (SELECT 1 FROM linli.channel_state s
                      WHERE s.channel = x.channel AND s.paused_until > clock_timestamp())
     AND NOT EXISTS (SELECT 1 FROM linli.deliveries e
                      WHERE e.channel = x.channel AND e.chat_external_id = x.chat_external_id
                        AND e.status = 'queued' AND e.id < x.id AND e.not_before <= x.not_before
                        AND (e.reply OR NOT x.reply))
     -- the chat's window and its burst window in one scan: the messages to the chat in flight, and
     -- those sent within the longer of the two windows
     AND (SELECT count(*) FILTER (WHERE in_flight OR w.sent_at > clock_timestamp() - make_interval(secs => p_chat_window_secs)) < p_chat_max
             AND (p_burst_max IS NULL OR count(*) FILTER (WHERE in_flight
                    OR w.sent_at > clock_timestamp() - make_interval(secs => p_burst_window_secs)) < p_burst_max)
            FROM (SELECT v.sent_at, v.status = 'queued' AS in_flight FROM linli.deliveries v
                   WHERE v.channel = x.channel AND v.chat_external_id = x.chat_external_id AND v.id <> x.id
                     AND ((v.status = 'sent' AND v.sent_at > clock_timestamp()
                            - make_interval(secs => greatest(p_chat_window_secs, coalesce(p_burst_window_secs, 0))))
                       OR (v.status = 'queued' AND v.claimed_until > clock_timestamp()))) w)
     AND (p_channel_max IS NULL OR (SELECT count(*) FROM (
            SELECT 1 FROM linli.deliveries c
             WHERE c.channel = x.channel AND c.status = 'sent'
               AND c.sent_at > clock_timestamp() - make_interval(secs => p_channel_window_secs)
             LIMIT p_channel_max) channel_window) < p_channel_max)
  RETURNING x.*;
END
$$;
