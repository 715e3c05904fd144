-- A resident's claim on a unit (登记) can be decided: it gets an id (the API's and the buttons'
-- handle) and records who decided it (a person in chat, or a token's label over the API).
ALTER TABLE linli.unit_residents ADD COLUMN id bigserial;
ALTER TABLE linli.unit_residents ADD CONSTRAINT unit_residents_id_unique UNIQUE (id);
ALTER TABLE linli.unit_residents ADD COLUMN decided_by text CHECK (length(decided_by) BETWEEN 1 AND 200);
ALTER TABLE linli.unit_residents ADD COLUMN decided_by_person_id bigint REFERENCES linli.people (id);
CREATE INDEX unit_residents_pending ON linli.unit_residents (unit_id) WHERE status = 'pending';
