import type { z } from 'zod';
import type { OrgChain } from '../kernel/access/org-chain.js';
import type { ChannelName } from '../kernel/chat/port.js';
import type { Db, Queryable } from '../kernel/db/db.js';
import type { Locale, Text } from './flow-schema.js';

/**
 * Named domain actions a flow can call. Each declares its inputs as a zod object (what the
 * flow checker requires a flow to map) and runs inside the transaction that advances the
 * conversation, so the action's rows and the conversation's state commit together.
 *
 * In a simulation (`dryRun`) an action validates its inputs and returns a sample output
 * without writing anything.
 */
export interface ActionContext {
  tx: Queryable;
  /** the database outside the transaction, for work after COMMIT */
  db: Db;
  personId: number | null;
  orgId: number | null;
  /** `orgId`'s chain, city first (empty without an org): its compound and settings, read at most once a turn */
  orgChain(): Promise<OrgChain>;
  chatId: number | null;
  /** the platform's id of the chat the conversation runs in */
  chatExternalId: string | null;
  channel: ChannelName | 'simulator';
  /** whether the conversation runs in a group or in the private chat with the bot */
  chatKind: 'group' | 'private';
  locale: Locale;
  dryRun: boolean;
  /** Work to run after COMMIT (queue jobs, notifications). */
  afterCommit(fn: () => Promise<void>): void;
}

export type ActionResult = { ok: true; output: Record<string, unknown> } | { ok: false; message: Text };

export interface FlowAction<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /**
   * It only reads (no write, no `afterCommit`): it may run in a turn computed without a
   * transaction (its `tx` is then the database itself), so a step through it needs no slow path.
   */
  readOnly?: boolean;
  input: S;
  run(input: z.infer<S>, ctx: ActionContext): Promise<ActionResult>;
}

export class ActionRegistry {
  private readonly actions = new Map<string, FlowAction>();

  register<S extends z.ZodObject>(action: FlowAction<S>): this {
    if (this.actions.has(action.name)) throw new Error(`action ${action.name} registered twice`);
    this.actions.set(action.name, action as unknown as FlowAction);
    return this;
  }

  get(name: string): FlowAction | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }

  /** Input names a flow must map for this action (those that are not optional). */
  requiredInputs(name: string): string[] {
    const a = this.actions.get(name);
    if (!a) return [];
    return Object.entries(a.input.shape)
      .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
      .map(([k]) => k);
  }

  knownInputs(name: string): string[] {
    const a = this.actions.get(name);
    return a ? Object.keys(a.input.shape) : [];
  }
}
