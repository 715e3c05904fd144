-- Property companies (物业公司), their contracts with compounds, and residents' evaluation
-- campaigns of them (one response per unit), ranked into a red and a black list (红黑榜).
-- Companies are not orgs (the org kinds stay the government/compound tree): a company is
-- registered by an org (its scope for tokens) and contracted to compounds for date ranges.

CREATE TABLE linli.property_companies (
  id          bigserial PRIMARY KEY,
  -- the org that registered the company: scoped tokens of its subtree see and write it
  org_id      bigint NOT NULL REFERENCES linli.orgs (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT property_companies_org_name_unique UNIQUE (org_id, name)
);

CREATE TABLE linli.property_contracts (
  id           bigserial PRIMARY KEY,
  company_id   bigint NOT NULL REFERENCES linli.property_companies (id) ON DELETE CASCADE,
  compound_id  bigint NOT NULL REFERENCES linli.orgs (id),
  starts_on    date NOT NULL,
  -- inclusive; NULL = open-ended
  ends_on      date,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX property_contracts_compound ON linli.property_contracts (compound_id, starts_on);
CREATE INDEX property_contracts_company ON linli.property_contracts (company_id);

CREATE TABLE linli.evaluation_campaigns (
  id            bigserial PRIMARY KEY,
  -- the scope (a community or subdistrict, or a compound): ranking runs across it
  org_id        bigint NOT NULL REFERENCES linli.orgs (id),
  company_id    bigint REFERENCES linli.property_companies (id),
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  -- [{"key", "zh", "en"}], asked in this order, each scored 1–5
  criteria      jsonb NOT NULL,
  -- {"weights": {"survey", "onTime", "satisfaction"}, "listSize", "complaintsFrom", "complaintsTo"}
  settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
  opens_at      timestamptz NOT NULL,
  closes_at     timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'scheduled'
                  CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
  opened_at     timestamptz,
  closed_at     timestamptz,
  -- set once every announcement / report was handed to the outbox (the reconciler retries until then)
  announced_at  timestamptz,
  reported_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (closes_at > opens_at)
);
CREATE INDEX evaluation_campaigns_org ON linli.evaluation_campaigns (org_id, id);
-- what the reconciler sweeps: campaigns to open or close, and closed ones whose report is not out
CREATE INDEX evaluation_campaigns_pending ON linli.evaluation_campaigns (id)
  WHERE status IN ('scheduled', 'open') OR (status = 'closed' AND reported_at IS NULL);

-- the compounds a campaign asks, each with the company serving it when the campaign opens
CREATE TABLE linli.evaluation_targets (
  campaign_id  bigint NOT NULL REFERENCES linli.evaluation_campaigns (id) ON DELETE CASCADE,
  compound_id  bigint NOT NULL REFERENCES linli.orgs (id),
  company_id   bigint REFERENCES linli.property_companies (id),
  PRIMARY KEY (campaign_id, compound_id)
);

CREATE TABLE linli.evaluation_responses (
  id           bigserial PRIMARY KEY,
  campaign_id  bigint NOT NULL REFERENCES linli.evaluation_campaigns (id) ON DELETE CASCADE,
  compound_id  bigint NOT NULL REFERENCES linli.orgs (id),
  unit_id      bigint NOT NULL REFERENCES linli.units (id),
  person_id    bigint REFERENCES linli.people (id),
  -- {"security": 4, …}: every criterion of the campaign, 1–5
  scores       jsonb NOT NULL,
  comment      text CHECK (comment IS NULL OR length(comment) <= 500),
  channel      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- one response per unit: the first one counts
  CONSTRAINT evaluation_responses_one_per_unit UNIQUE (campaign_id, unit_id)
);
CREATE INDEX evaluation_responses_campaign ON linli.evaluation_responses (campaign_id, compound_id);
