-- A conversation row changes on every turn (step, answers, seq, expires_at). With an index on
-- expires_at no turn could be a HOT update: each one added an entry to every index and left a
-- dead row version that the one-active lookup then read past (at 1,000 turns/s, ~270 dead
-- versions per lookup before autovacuum came). No index covers a column a turn changes now,
-- and pages keep room for the new version, so a turn is updated in place and pruned on access.
-- The expiry sweep walks the active conversations (a partial index on id) and filters on time.
DROP INDEX linli.conversations_expiring;
CREATE INDEX conversations_active ON linli.conversations (id) WHERE status = 'active';
ALTER TABLE linli.conversations SET (fillfactor = 70);
