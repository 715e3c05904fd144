-- Beginning a conversation ends the same flow in the person's other chats (writeBegunTurn, the
-- locked begin): `person_id = $ AND status = 'active'`. The only index of active conversations
-- was by id (011, for the expiry sweep, which pages them in id order), so each begin read every
-- active conversation and its row: with 20,000 people in the middle of one, 20,000 entries and
-- ~620 pages a begin. An index of them by person beside it: person_id never changes, so a turn
-- stays a HOT update; an entry is added when a conversation begins, as with the other two.
CREATE INDEX conversations_active_by_person ON linli.conversations (person_id) WHERE status = 'active';
