-- A complaint overdue at the top of the chain stays open and its handlers are reminded again
-- every `overdueReminderEvery` (policy, default P1D): when they last were, and how many times.
ALTER TABLE linli.complaints
  ADD COLUMN overdue_reminders integer NOT NULL DEFAULT 0,
  ADD COLUMN overdue_reminded_at timestamptz;
CREATE INDEX complaints_overdue_open ON linli.complaints (overdue_reminded_at)
  WHERE overdue AND status IN ('submitted', 'accepted', 'in_progress', 'reopened');
