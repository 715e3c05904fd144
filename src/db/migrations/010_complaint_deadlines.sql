-- A complaint overdue at the top of the chain stays open and its handlers are reminded again
-- every `overdueReminderEvery` (policy, default P1D): when they last were, and how many times.
ALTER TABLE linli.complaints
  ADD COLUMN overdue_reminders integer NOT NULL DEFAULT 0,
  ADD COLUMN overdue_reminded_at timestamptz;
CREATE INDEX complaints_overdue_open ON linli.complaints (overdue_reminded_at)
  WHERE overdue AND status IN ('submitted', 'accepted', 'in_progress', 'reopened');

-- The deadline sweep walks open complaints by their running deadline (ack while waiting for
-- acknowledgement, else resolve): the set-based escalation takes the earliest due rows first
-- straight from this index instead of filtering every open row (bench/complaint-deadlines.md).
CREATE INDEX complaints_running_deadline ON linli.complaints
  ((LEAST(CASE WHEN status IN ('submitted', 'reopened') THEN ack_due_at END, resolve_due_at)), id)
  WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened') AND NOT overdue;
-- superseded by complaints_running_deadline; one index fewer to write on every escalation
DROP INDEX linli.complaints_open_deadlines;
