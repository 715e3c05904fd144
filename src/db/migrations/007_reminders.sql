-- Reminders: a schedule (one time, cron or RRULE in a time zone, optionally moved off Chinese
-- holidays), an audience and a text template. Each occurrence is a row claimed with
-- INSERT … ON CONFLICT DO NOTHING, so two workers never send one occurrence twice; receipts
-- record who was addressed, who acknowledged (收到) and who got a follow-up.

CREATE TABLE linli.reminders (
  id                   bigserial PRIMARY KEY,
  org_id               bigint NOT NULL REFERENCES linli.orgs (id),
  -- {kind:'group', orgId} | {kind:'role', orgId, role} | {kind:'people', personIds}
  audience             jsonb NOT NULL,
  text                 text NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  locale               text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
  -- {at} | {cron, tz} | {rrule, tz, start?}
  schedule             jsonb NOT NULL,
  holiday_policy       text NOT NULL DEFAULT 'off' CHECK (holiday_policy IN ('off', 'skip', 'previous', 'next')),
  ack                  boolean NOT NULL DEFAULT false,
  follow_up_hours      numeric(6, 2) CHECK (follow_up_hours > 0),
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'done', 'deleted')),
  -- the next occurrence not yet claimed (null when paused past its end, done or deleted)
  next_at              timestamptz,
  created_by           text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_org ON linli.reminders (org_id, id);
CREATE INDEX reminders_next ON linli.reminders (next_at) WHERE status = 'active';

CREATE TABLE linli.reminder_occurrences (
  reminder_id          bigint NOT NULL REFERENCES linli.reminders (id) ON DELETE CASCADE,
  at                   timestamptz NOT NULL,
  -- sent; or missed: found later than the catch-up window allows, recorded and not sent
  status               text NOT NULL CHECK (status IN ('sent', 'missed')),
  claimed_at           timestamptz NOT NULL,
  recipients           integer NOT NULL DEFAULT 0,
  follow_up_at         timestamptz,
  follow_up_status     text CHECK (follow_up_status IN ('sent', 'missed', 'cancelled')),
  follow_up_done_at    timestamptz,
  PRIMARY KEY (reminder_id, at)
);
CREATE INDEX reminder_occurrences_follow_up ON linli.reminder_occurrences (follow_up_at)
  WHERE follow_up_at IS NOT NULL AND follow_up_status IS NULL;

CREATE TABLE linli.reminder_receipts (
  reminder_id          bigint NOT NULL,
  at                   timestamptz NOT NULL,
  person_id            bigint NOT NULL REFERENCES linli.people (id) ON DELETE CASCADE,
  -- sent to this person privately (a follow-up candidate); false: acknowledged in a group
  addressed            boolean NOT NULL,
  acked_at             timestamptz,
  followed_up_at       timestamptz,
  PRIMARY KEY (reminder_id, at, person_id),
  FOREIGN KEY (reminder_id, at) REFERENCES linli.reminder_occurrences (reminder_id, at) ON DELETE CASCADE
);
