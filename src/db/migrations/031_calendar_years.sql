-- A year's official holiday arrangement as an operator entered it (#18: the holiday-data cliff):
-- the State Council's notice for next year comes out before `chinese-days` publishes it. Every
-- process loads these at start and every minute; they take precedence over the package's data.
CREATE TABLE linli.calendar_years (
  year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  holidays    jsonb NOT NULL,
  workdays    jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text NOT NULL
);
