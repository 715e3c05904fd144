-- Open complaints by org and by handling org. The daily overdue list of an org (and anything else
-- asking for the open complaints of a subtree) read every complaint of the city: the only indexes
-- by org hold the closed ones too (years of them), so the planner scanned the table (22,000 rows a
-- list with 22,000 complaints; 40 ms at 25,000). These hold only what is open, keyed by the org
-- the query names, so they serve lookups of "open in these orgs" and nothing reads them for a
-- query they do not fit (unlike a partial index on (id), migrations 034 and 036).
CREATE INDEX complaints_open_by_org ON linli.complaints (org_id)
  WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened');
CREATE INDEX complaints_open_by_level ON linli.complaints (level_org_id)
  WHERE status IN ('submitted', 'accepted', 'in_progress', 'reopened');
