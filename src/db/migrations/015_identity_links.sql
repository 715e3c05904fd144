-- Linking chat accounts to the owner register: people merged into another person (the absorbed
-- row stays, pointing at the one it became, so history that names it — the ballot log, the audit,
-- deliveries — still resolves), the per-unit verification codes the committee prints and hands
-- out, and the failed code attempts of each chat account (brute force is rate limited).

ALTER TABLE linli.people ADD COLUMN merged_into bigint REFERENCES linli.people (id);
ALTER TABLE linli.people ADD COLUMN merged_at timestamptz;
CREATE INDEX people_merged_into ON linli.people (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE linli.unit_link_codes (
  id            bigserial PRIMARY KEY,
  unit_id       bigint NOT NULL REFERENCES linli.units (id) ON DELETE CASCADE,
  -- stored as issued: the committee downloads the mail-merge CSV again (see units/link-codes.ts)
  code          text NOT NULL CHECK (code ~ '^[2-9A-HJ-NP-Z]{8}$'),
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'revoked')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  used_at       timestamptz,
  used_by       bigint REFERENCES linli.people (id),
  used_channel  text,
  revoked_at    timestamptz,
  CONSTRAINT unit_link_codes_code_unique UNIQUE (code)
);
CREATE UNIQUE INDEX unit_link_codes_one_active ON linli.unit_link_codes (unit_id) WHERE status = 'active';

CREATE TABLE linli.link_failures (
  channel      text NOT NULL,
  external_id  text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_failures_sender ON linli.link_failures (channel, external_id, at);
