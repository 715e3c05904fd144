import type { Db } from '../../kernel/db/db.js';
import type { Moment } from '../../kernel/moments/moment.js';
import type { Moments } from '../../kernel/moments/moments.js';
import type { Rate } from '../complaints/index.js';
import type { Criterion, CriterionInput } from './criteria.js';
import type { Ranked, Weights } from './scoring.js';

/**
 * Evaluation campaigns of property companies (物业服务评价).
 *
 * The campaign row is the source of truth: `scheduled` → `open` (at `opens_at`) → `closed` (at
 * `closes_at`, or earlier by an admin), or `cancelled`. Delayed jobs `evaluation-<id>-open` and
 * `evaluation-<id>-close` only wake the worker, which re-reads the row (`openIfDue`,
 * `closeIfDue`); the reconciler (at start and every minute) does whatever is due and re-adds
 * lost jobs. After opening the residents are told (`announced_at`), after closing the owners'
 * committee gets the report (`reported_at`); both go through the outbox with idempotency keys
 * and are retried by the reconciler until the stamp is set, so nothing is lost or sent twice.
 *
 * One response per unit: the first response of a unit counts; a second one (same or another
 * resident of the unit) is refused with a clear message — the unique constraint decides a race.
 */
export interface CampaignRow {
  id: number;
  org_id: number;
  company_id: number | null;
  title: string;
  criteria: Criterion[];
  settings: CampaignSettings;
  opens_at: Date;
  closes_at: Date;
  status: 'scheduled' | 'open' | 'closed' | 'cancelled';
  opened_at: Date | null;
  closed_at: Date | null;
  announced_at: Date | null;
  reported_at: Date | null;
  created_at: Date;
}

export interface CampaignSettings {
  weights: Weights;
  listSize: number;
  complaintsFrom: string;
  complaintsTo: string;
}

export interface CreateCampaignBody {
  orgId: number;
  title?: string;
  companyId?: number;
  compoundIds?: number[];
  criteria?: CriterionInput[];
  weights?: Weights;
  listSize?: number;
  opensAt: Date;
  closesAt: Date;
  complaintsFrom?: Date;
  complaintsTo?: Date;
}

/** The refusals a response can meet (chat turns them into messages, HTTP into 4xx). */
export type Refusal = 'not_open' | 'closed' | 'cancelled' | 'duplicate' | 'not_in_scope';

export interface Notifier {
  announce(c: CampaignRow): Promise<void>;
  report(c: CampaignRow, results: Results): Promise<void>;
}

export interface SubjectResult {
  id: number;
  name: string;
  companyId?: number | null;
  companyName?: string | null;
  compoundIds?: number[];
  units: number;
  responses: number;
  responseRate: number | null;
  means: Record<string, number | null>;
  overall: number | null;
  onTime: Rate;
  satisfaction: Rate;
  score: number | null;
}

export interface Results {
  campaignId: number;
  title: string;
  status: CampaignRow['status'];
  criteria: Criterion[];
  weights: Weights;
  listSize: number;
  complaintsFrom: string;
  complaintsTo: string;
  generatedAt: Date;
  compounds: SubjectResult[];
  companies: SubjectResult[];
}

export interface Ranking {
  campaignId: number;
  by: 'company' | 'compound';
  weights: Weights;
  listSize: number;
  items: Ranked<SubjectResult>[];
  red: Ranked<SubjectResult>[];
  black: Ranked<SubjectResult>[];
}

/** What the parts of `EvaluationService` (commands, queries, moments) share, built once by its constructor. */
export interface EvaluationDeps {
  db: Db;
  /** the jobs of campaigns' openings and closings */
  moments: {
    scheduler: Moments;
    of: Record<'open' | 'close', Moment<{ campaignId: number; stage: 'open' | 'close' }>>;
  };
  /** who tells the compounds that a campaign opened, and its results */
  notifier: Notifier;
  now: () => Date;
}
