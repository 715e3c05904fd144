-- The org tree, people, their channel identities and roles, units and owners,
-- scoped admin tokens and the admin audit log. Runs on PostgreSQL 15 and PGlite.

CREATE TABLE linli.orgs (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('city', 'district', 'subdistrict', 'community', 'compound', 'building')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  parent_id   bigint REFERENCES linli.orgs (id),
  -- ids from the root down to this org, itself last: subtree = path @> ARRAY[id]
  path        bigint[] NOT NULL,
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orgs_sibling_name_unique UNIQUE NULLS NOT DISTINCT (parent_id, name)
);
CREATE INDEX orgs_path_gin ON linli.orgs USING gin (path);
CREATE INDEX orgs_parent ON linli.orgs (parent_id);

CREATE TABLE linli.people (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  phone       text,
  locale      text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
  -- the org that registered the person: scoped tokens see people of their subtree
  org_id      bigint REFERENCES linli.orgs (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_org ON linli.people (org_id);
CREATE INDEX people_phone ON linli.people (phone) WHERE phone IS NOT NULL;

CREATE TABLE linli.identities (
  id           bigserial PRIMARY KEY,
  person_id    bigint NOT NULL REFERENCES linli.people (id) ON DELETE CASCADE,
  channel      text NOT NULL CHECK (channel IN ('telegram', 'wechat')),
  external_id  text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  display_name text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT identities_channel_external_unique UNIQUE (channel, external_id)
);
CREATE INDEX identities_person ON linli.identities (person_id);

CREATE TABLE linli.role_assignments (
  id          bigserial PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES linli.people (id) ON DELETE CASCADE,
  org_id      bigint NOT NULL REFERENCES linli.orgs (id),
  role        text NOT NULL CHECK (role IN ('admin', 'handler', 'grid_worker', 'property_manager',
                'committee_member', 'party_secretary', 'party_member', 'resident', 'owner')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT role_assignments_unique UNIQUE (person_id, org_id, role)
);
CREATE INDEX role_assignments_org ON linli.role_assignments (org_id, role);

CREATE TABLE linli.units (
  id           bigserial PRIMARY KEY,
  compound_id  bigint NOT NULL REFERENCES linli.orgs (id),
  building_id  bigint NOT NULL REFERENCES linli.orgs (id),
  unit_no      text NOT NULL CHECK (length(unit_no) BETWEEN 1 AND 50),
  room         text NOT NULL CHECK (length(room) BETWEEN 1 AND 50),
  -- exclusive floor area in m², exact (Art. 278 counts it)
  area         numeric(12, 2) NOT NULL CHECK (area > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT units_address_unique UNIQUE (building_id, unit_no, room)
);
CREATE INDEX units_compound ON linli.units (compound_id);

CREATE TABLE linli.unit_owners (
  unit_id     bigint NOT NULL REFERENCES linli.units (id) ON DELETE CASCADE,
  person_id   bigint NOT NULL REFERENCES linli.people (id),
  -- co-owners of a unit name one voter among them (Art. 278: the unit counts once)
  is_voter    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (unit_id, person_id)
);
CREATE INDEX unit_owners_person ON linli.unit_owners (person_id);
CREATE UNIQUE INDEX unit_owners_one_voter ON linli.unit_owners (unit_id) WHERE is_voter;

CREATE TABLE linli.api_tokens (
  id            bigserial PRIMARY KEY,
  org_id        bigint REFERENCES linli.orgs (id),
  role          text NOT NULL CHECK (role IN ('admin', 'viewer', 'superuser')),
  label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  -- sha256 of the token; the token itself is shown once, at creation
  token_hash    text NOT NULL UNIQUE,
  created_by    bigint REFERENCES linli.api_tokens (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  CHECK ((role = 'superuser') = (org_id IS NULL))
);

CREATE TABLE linli.audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  token_id     bigint REFERENCES linli.api_tokens (id),
  -- the org the written object belongs to: scoped tokens read the audit of their subtree
  org_id       bigint REFERENCES linli.orgs (id),
  action       text NOT NULL,
  object_type  text NOT NULL,
  object_id    text,
  before       jsonb,
  after        jsonb,
  request_id   text
);
CREATE INDEX audit_log_org ON linli.audit_log (org_id, id);
