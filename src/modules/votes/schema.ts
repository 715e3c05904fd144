import { z } from 'zod';
import { BALLOT_CHANNELS } from './ballot-log.js';
import { RULES } from './counting.js';

/**
 * What the proposals API answers (http.ts). The serializer checks every body against these, so
 * they follow the services exactly: timestamps read from the database are Dates (`z.date()`),
 * the ballot log's are the ISO-8601 text its hash covers (`z.iso.datetime()`); areas are decimal
 * strings with two decimals (numeric in the database, counted exactly in integers).
 */

const PROPOSAL_STATUSES = ['draft', 'scheduled', 'open', 'closed', 'cancelled'] as const;

const area = z.string().describe('square metres, a decimal string with two decimals ("89.50")');
const percent = z.string().describe('percent with one decimal ("66.7"); for the words, never for a decision');
const words = z.object({ 'zh-CN': z.string(), en: z.string() });
const sha256 = z.string().describe('sha256, 64 hex digits');

export const optionCountSchema = z
  .object({
    option: z.string(),
    owners: z.number().int(),
    area,
    ownersPct: percent.describe('share of the participating owners, percent with one decimal'),
    areaPct: percent.describe('share of the participating area, percent with one decimal'),
  })
  .meta({ id: 'OptionCount' });

/** The Art. 278 count on its two axes: exclusive area and owners (headcount). */
export const countResultSchema = z
  .object({
    rule: z.enum(RULES),
    passed: z.boolean(),
    winner: z
      .string()
      .nullable()
      .describe('the option that passed (art278) or won (simple); null when none did'),
    quorumReached: z
      .boolean()
      .nullable()
      .describe('art278: whether two thirds of the area and of the owners took part; null under simple'),
    area: z.object({
      total: area.describe('the exclusive area of the whole electorate'),
      participating: area.describe('the area of the owners who cast any ballot (弃权 included)'),
      participationPct: percent,
    }),
    owners: z.object({
      total: z.number().int().describe('the owners of the electorate'),
      participating: z.number().int().describe('the owners who cast any ballot (弃权 included)'),
      participationPct: percent,
    }),
    options: z.array(optionCountSchema),
    reason: words.describe('why it passed or did not, with the figures that decided it'),
    log: z
      .object({ entries: z.number().int(), head: sha256 })
      .optional()
      .describe(
        'the ballot log at the close, as published in the result message: its entries and the hash of the last one (64 zeros when empty)',
      ),
  })
  .meta({ id: 'CountResult' });

export const turnoutSchema = z
  .object({
    area: z.object({ total: area, participating: area, pct: percent }),
    owners: z.object({ total: z.number().int(), participating: z.number().int(), pct: percent }),
  })
  .describe('who has cast a ballot so far, on both axes')
  .meta({ id: 'Turnout' });

export const electorateTotalsSchema = z
  .object({
    area,
    owners: z.number().int(),
    units: z.number().int(),
    unitsWithoutNamedVoter: z
      .array(z.number().int())
      .describe('co-owned units whose owners named no voter: counted for their lowest person id'),
    unitsWithoutOwner: z
      .array(z.number().int())
      .describe('units with no owner in the register: outside the electorate'),
  })
  .describe('the electorate frozen when the proposal opened');

export const proposalSchema = z
  .object({
    id: z.number().int(),
    orgId: z.number().int(),
    title: z.string(),
    body: z.string(),
    options: z.array(z.string()).describe('art278 rules test the first option'),
    rule: z.enum(RULES),
    opensAt: z.date(),
    closesAt: z.date(),
    secret: z
      .boolean()
      .describe('voters appear in the log under pseudonyms and the tally stays hidden until closing'),
    status: z.enum(PROPOSAL_STATUSES),
    reminderHours: z
      .array(z.number())
      .describe('hours before closing at which owners who have not voted are reminded'),
    totals: electorateTotalsSchema.nullable().describe('null until the proposal opens'),
    result: countResultSchema.nullable().describe('null until the proposal closes'),
    createdAt: z.date(),
    openedAt: z.date().nullable(),
    closedAt: z.date().nullable(),
    cancelledAt: z.date().nullable(),
  })
  .meta({ id: 'Proposal' });

export const proposalDetailSchema = proposalSchema
  .extend({
    turnout: turnoutSchema.nullable().describe('while open; null otherwise'),
  })
  .meta({ id: 'ProposalDetail' });

/** A compound's proposals, newest first: at most 200, not paged. */
export const proposalListSchema = z.object({ items: z.array(proposalSchema) });

export const outlookSchema = z
  .object({
    remaining: z
      .object({ owners: z.number().int(), area })
      .describe('owners who have not voted, and their area'),
    participation: z
      .object({
        reached: z.boolean(),
        reachable: z.boolean().describe('still possible if every owner left takes part'),
        short: z
          .object({ owners: z.number().int(), area })
          .describe('what it lacks to two thirds (0 / "0.00" when met)'),
      })
      .nullable()
      .describe('art278 rules: participation on both axes; null under simple'),
    option: z
      .object({
        name: z.string(),
        canStillPass: z.boolean(),
        cannotFail: z.boolean().describe('decided: it passes whatever the owners left do'),
      })
      .nullable()
      .describe(
        'the option whose fate is forecast (art278: the first; simple: the leader); null when none leads, and always for a secret ballot',
      ),
    words: words,
  })
  .describe('whether the open vote can still pass or can no longer fail, assuming the ballots cast stand')
  .meta({ id: 'VoteOutlook' });

/** `GET /proposals/:id/result`: by status. */
export const proposalResultSchema = z
  .discriminatedUnion('status', [
    countResultSchema.extend({
      id: z.number().int(),
      status: z.literal('closed'),
      final: z.literal(true),
    }),
    z.object({
      id: z.number().int(),
      status: z.literal('open'),
      final: z.literal(false),
      turnout: turnoutSchema,
      options: z.array(optionCountSchema).nullable().describe('the live tally; null for a secret ballot'),
      outlook: outlookSchema,
    }),
    z.object({
      id: z.number().int(),
      status: z.enum(['draft', 'scheduled', 'cancelled']),
      final: z.literal(false),
      turnout: z.null(),
    }),
  ])
  .meta({ id: 'ProposalResult' });

export const paperBallotSchema = z
  .object({
    receipt: z.string().describe('the 8-character receipt code of its log entry'),
    seq: z.number().int().describe('its entry in the ballot log'),
    kind: z
      .enum(['cast', 'changed', 'same'])
      .describe(
        "'cast' for the voter's first ballot, 'changed' when it replaced one (a paper ballot is always logged, so never 'same')",
      ),
    option: z.string(),
  })
  .meta({ id: 'PaperBallotReceipt' });

export const ballotLogEntrySchema = z
  .object({
    seq: z.number().int(),
    prevHash: sha256,
    entry: z.object({
      kind: z.literal('ballot'),
      proposalId: z.number().int(),
      voter: z
        .union([z.number().int(), z.string()])
        .describe('the person id; for a secret ballot a pseudonym (16 hex digits)'),
      option: z.string().nullable().describe('null while a secret ballot is sealed (until closing)'),
      channel: z.enum(BALLOT_CHANNELS),
      paper: z.boolean(),
      version: z.number().int().describe('1 for the first ballot of this voter, 2 for their first change, …'),
    }),
    createdAt: z.iso.datetime().describe('ISO-8601 with milliseconds, as the hash covers it'),
    hash: sha256,
    receipt: z.string(),
  })
  .meta({ id: 'BallotLogEntry' });

export const ballotLogSchema = z
  .object({
    proposalId: z.number().int(),
    proposal: z.object({
      title: z.string(),
      rule: z.enum(RULES),
      options: z.array(z.string()),
      status: z.enum(PROPOSAL_STATUSES),
      result: countResultSchema.nullable().describe('the stored result once closed; null before'),
    }),
    secret: z.boolean(),
    sealed: z.boolean().describe('a secret ballot before closing: options are hidden (null)'),
    electorate: z
      .array(
        z.object({
          voter: z.union([z.number().int(), z.string()]).describe('as the log names the voter'),
          area,
        }),
      )
      .describe('the electorate frozen at opening, to recount from the log'),
    hashRule: z.string().describe('how each hash and receipt is computed, in words'),
    entries: z.array(ballotLogEntrySchema),
  })
  .meta({ id: 'BallotLog' });

export const ballotLogCheckSchema = z
  .object({
    proposalId: z.number().int(),
    ok: z.boolean().describe('the chain holds and the counted ballots match it'),
    entries: z.number().int(),
    firstBrokenSeq: z
      .number()
      .int()
      .nullable()
      .describe('the first seq whose row does not match the chain (edited, missing or reordered)'),
    problem: z.string().nullable(),
    lastHash: sha256.describe('the hash of the last entry as recomputed (64 zeros for an empty log)'),
    ballotsMatchLog: z.boolean(),
    mismatches: z.array(
      z.object({
        seq: z.number().int().nullable(),
        message: z.string(),
      }),
    ),
  })
  .meta({ id: 'BallotLogCheck' });

export const receiptCheckSchema = z
  .discriminatedUnion('found', [
    z.object({ receipt: z.string().describe('the code as normalised'), found: z.literal(false) }),
    z.object({
      receipt: z.string().describe('the code as normalised'),
      found: z.literal(true),
      seq: z.number().int(),
      createdAt: z.iso.datetime(),
      hash: sha256,
      counted: z.boolean().describe("whether it is its voter's counted (last) ballot"),
      option: z.string().nullable().describe('null while a secret ballot is sealed'),
    }),
  ])
  .meta({ id: 'ReceiptCheck' });
