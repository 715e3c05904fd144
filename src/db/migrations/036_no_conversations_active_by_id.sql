-- The index of active conversations by id alone (011, for the expiry sweep) was a trap: with
-- statistics taken while few conversations were active (a quiet night after a year of ended ones),
-- the planner took it for a turn's lookup of the writer's conversation in a chat (all its entries
-- are "active", none of the lookup's columns is in it), so each turn read every active conversation
-- (20,000 people mid-conversation: 20,000 entries and ~600 pages a turn). The lookups have their own
-- indexes (conversations_one_active, conversations_active_by_person); the sweep, once a minute,
-- walks one of those whole and sorts its page of at most 1,000 expired conversations by id.
DROP INDEX linli.conversations_active;
