-- Transfer and return (#16): a complaint may be handed to a role rather than a person (its holders
-- at the handling level are told; the first of them to act is who has it), and every move of who has
-- it is on the timeline: the assignee and role after the move, and who had it before.
ALTER TABLE linli.complaints ADD COLUMN assigned_role text;
ALTER TABLE linli.complaint_events
  ADD COLUMN assignee_id bigint REFERENCES linli.people (id),
  ADD COLUMN prior_assignee_id bigint REFERENCES linli.people (id),
  ADD COLUMN assigned_role text;
