-- Party members who report to their compound (在职党员到社区报到, 双报到): the branches of their
-- workplaces, their registration with commitments (approved by the compound's party secretary),
-- households they pair with, tasks pushed to them (slots taken first come, first served) and the
-- yearly January check-in on commitments. Deadlines live on the task row; jobs only wake workers.

-- a branch secretary holds `branch_secretary` at the org their branch is registered under
ALTER TABLE linli.role_assignments DROP CONSTRAINT IF EXISTS role_assignments_role_check;
ALTER TABLE linli.role_assignments ADD CONSTRAINT role_assignments_role_check CHECK (role IN ('admin',
  'handler', 'grid_worker', 'property_manager', 'committee_member', 'party_secretary', 'party_member',
  'resident', 'owner', 'branch_secretary'));

CREATE TABLE linli.party_branches (
  id             bigserial PRIMARY KEY,
  -- the org that registered the branch (scoping: tokens of its subtree manage it)
  org_id         bigint NOT NULL REFERENCES linli.orgs (id),
  -- the workplace branch's full name as members say it, e.g. 市税务局第二党支部
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  secretary_id   bigint REFERENCES linli.people (id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT party_branches_name_unique UNIQUE (name)
);
CREATE INDEX party_branches_org ON linli.party_branches (org_id);

CREATE TABLE linli.party_members (
  id             bigserial PRIMARY KEY,
  person_id      bigint NOT NULL REFERENCES linli.people (id),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  branch_id      bigint NOT NULL REFERENCES linli.party_branches (id),
  -- the compound the member reports to (报到)
  compound_id    bigint NOT NULL REFERENCES linli.orgs (id),
  -- codes of the standard commitments taken
  commitments    jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- the member's own commitments, as written
  own_commitments jsonb NOT NULL DEFAULT '[]'::jsonb,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  approved_by    bigint REFERENCES linli.people (id),
  decided_by     text,
  decided_at     timestamptz,
  reject_reason  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT party_members_person_compound_unique UNIQUE (person_id, compound_id)
);
CREATE INDEX party_members_compound ON linli.party_members (compound_id, status);
CREATE INDEX party_members_branch ON linli.party_members (branch_id);

-- 结对: a member looks after households of their compound
CREATE TABLE linli.party_pairings (
  member_id   bigint NOT NULL REFERENCES linli.party_members (id) ON DELETE CASCADE,
  unit_id     bigint NOT NULL REFERENCES linli.units (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (member_id, unit_id)
);

CREATE TABLE linli.party_tasks (
  id                bigserial PRIMARY KEY,
  -- a compound or community: volunteer tasks go to the approved members reporting in its subtree
  org_id            bigint NOT NULL REFERENCES linli.orgs (id),
  -- whose secretary hears of escalations (else the members' own branches' secretaries)
  branch_id         bigint REFERENCES linli.party_branches (id),
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description       text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
  place             text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
  kind              text NOT NULL CHECK (kind IN ('assigned', 'volunteers')),
  slots             integer NOT NULL CHECK (slots BETWEEN 1 AND 1000),
  due_at            timestamptz NOT NULL,
  remind_at         timestamptz,
  accept_by         timestamptz NOT NULL,
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  reminded_at       timestamptz,
  unaccepted_escalated_at timestamptz,
  overdue_escalated_at    timestamptz,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX party_tasks_org ON linli.party_tasks (org_id, id);
CREATE INDEX party_tasks_open ON linli.party_tasks (due_at) WHERE status = 'open';

CREATE TABLE linli.party_task_assignments (
  task_id       bigint NOT NULL REFERENCES linli.party_tasks (id) ON DELETE CASCADE,
  person_id     bigint NOT NULL REFERENCES linli.people (id),
  -- invited: pushed to them; accepted/declined by button; completed with a note and a photo
  status        text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'accepted', 'declined', 'completed')),
  responded_at  timestamptz,
  completed_at  timestamptz,
  note          text,
  photo         text,
  hours         numeric(5, 1) CHECK (hours >= 0 AND hours <= 24),
  PRIMARY KEY (task_id, person_id)
);
CREATE INDEX party_task_assignments_person ON linli.party_task_assignments (person_id, status);

-- the January check-in on commitments, once per year (the job's effect is recorded here)
CREATE TABLE linli.party_checkins (
  year        integer PRIMARY KEY,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  members     integer NOT NULL DEFAULT 0
);
