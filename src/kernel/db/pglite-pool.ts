import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';

// pg's own text forms of parameters (its types do not declare this module)
const pgUtils = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue(value: unknown): string | Buffer | null;
  escapeLiteral(text: string): string;
};

/**
 * A `pg.Pool`-shaped object over one in-process PGlite instance, so the app's query layer
 * and BullMQ's PostgreSQL backend run unchanged on the embedded database.
 *
 * Why this and not @electric-sql/pglite-socket (measured in ../shared/measured.md): through
 * the socket every connection shares one session, NOTIFY never reaches a listener (idle workers
 * poll every ~4.7 s) and a query awaited inside an open transaction deadlocks. This adapter
 * keeps NOTIFY wake-ups (~3 ms) and has no socket hop.
 *
 * Contract (what makes one PGlite session safe to share):
 * - Parameterised statements go to `query` (extended protocol); bare ones to `exec`, which
 *   accepts several statements (migrations). The last statement's rows are returned.
 * - Results look like `pg`'s: int8 and numeric come back as strings; `fields` carry dataTypeID.
 * - A client that sends BEGIN owns the session until COMMIT/ROLLBACK (or release): other
 *   clients' statements wait. The owner is set before BEGIN is queued, so nothing slips in.
 * - LISTEN/UNLISTEN are tracked per client and PGlite's notifications are fanned out to the
 *   clients listening on that channel, as `'notification'` events shaped like pg's.
 * - Before every statement the adapter yields to the event loop once: a busy BullMQ worker
 *   otherwise starves timers and HTTP for seconds (measured: 11 s without, p99 5 ms with).
 */

const INT8 = 20;
const NUMERIC = 1700;
const asText = (v: string) => v;
const PARSERS = { [INT8]: asText, [NUMERIC]: asText };

/** A statement as `pg` takes it in one object; `name` prepares it. */
export interface NamedQuery {
  name?: string;
  text: string;
  values?: readonly unknown[];
}

export interface PgLikeResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
}

/** Listeners the shared pool may have before Node warns (see the constructors). */
export const POOL_ERROR_LISTENERS = 100;

export class PglitePool extends EventEmitter {
  /** Read by BullMQ: LISTEN connections here never drop silently. */
  readonly options = { keepAlive: true };
  private owner: PglitePoolClient | null = null;
  private ownerReleased: Promise<void> | null = null;
  private releaseOwner: (() => void) | null = null;
  private readonly channelListeners = new Map<string, Set<PglitePoolClient>>();
  private readonly unsubscribe: () => void;
  private ended = false;
  /** statements prepared in the session, by name: their text */
  private readonly prepared = new Map<string, string>();

  constructor(readonly pglite: PGlite) {
    super();
    // every BullMQ queue and worker on the PostgreSQL backend listens for this pool's errors: one
    // listener each (a dozen and more), not a leak; Node's default warns past 10
    this.setMaxListeners(POOL_ERROR_LISTENERS);
    this.unsubscribe = pglite.onNotification((channel, payload) => {
      for (const client of this.channelListeners.get(channel) ?? []) {
        client.emit('notification', { channel, payload, processId: 0 });
      }
    });
  }

  /** `pg`'s two forms: text and values, or a config; a config's `name` prepares it (see `execute`). */
  async query(text: string | NamedQuery, params?: readonly unknown[]): Promise<PgLikeResult> {
    return this.run(null, text, params);
  }

  async connect(): Promise<PglitePoolClient> {
    if (this.ended) throw new Error('PGlite pool has ended');
    const client = new PglitePoolClient(this);
    queueMicrotask(() => this.emit('connect', client));
    return client;
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
  }

  /** @internal Runs one statement for `client` (null: a pool-level, one-shot statement). */
  async run(
    client: PglitePoolClient | null,
    statement: string | NamedQuery,
    values?: readonly unknown[],
  ): Promise<PgLikeResult> {
    const {
      text,
      values: params,
      name,
    } = typeof statement === 'string' ? { text: statement, values, name: undefined } : statement;
    if (this.ended) throw new Error('PGlite pool has ended');
    await yieldToEventLoop();
    while (this.owner && this.owner !== client) await this.ownerReleased;
    const verb = leadingVerb(text);
    if (client && (verb === 'BEGIN' || verb === 'START')) this.takeOwnership(client);
    try {
      if (client && (verb === 'LISTEN' || verb === 'UNLISTEN'))
        return await this.listenStatement(client, verb, text);
      return await this.execute(text, params, name);
    } finally {
      if (client && this.owner === client && (verb === 'COMMIT' || verb === 'ROLLBACK' || verb === 'END')) {
        this.dropOwnership();
      }
    }
  }

  /** @internal Called when a client goes back to the pool. */
  async releaseClient(client: PglitePoolClient): Promise<void> {
    for (const channel of [...client.channels]) await this.unlisten(client, channel);
    if (this.owner === client) {
      try {
        if (this.pglite.isInTransaction()) await this.pglite.exec('ROLLBACK');
      } finally {
        this.dropOwnership();
      }
    }
  }

  /**
   * A named statement with parameters is prepared once in the session (SQL `PREPARE`, kept until
   * the session ends, whatever a transaction does) and run by `EXECUTE name($1, …)`: PGlite's
   * `query` parses and plans its text every time, which for the turn path's larger statements cost
   * more than running them (one name, one text, as on PostgreSQL: a name seen with another text is
   * prepared again).
   */
  private async execute(text: string, params?: readonly unknown[], name?: string): Promise<PgLikeResult> {
    if (name && params && params.length > 0) {
      if (this.prepared.get(name) !== text) {
        if (this.prepared.has(name)) await this.pglite.exec(`DEALLOCATE ${quoteIdent(name)}`);
        this.prepared.delete(name);
        await this.pglite.exec(`PREPARE ${quoteIdent(name)} AS ${text}`);
        this.prepared.set(name, text);
      }
      // EXECUTE is a utility statement: it takes no $n parameters, so its arguments are literals,
      // made as `pg` makes its text parameters (arrays, dates, JSON) and quoted
      const args = params.map(literal).join(', ');
      return this.lastResult(
        await this.pglite.exec(`EXECUTE ${quoteIdent(name)}(${args})`, { parsers: PARSERS }),
      );
    }
    if (params && params.length > 0) {
      const r = await this.pglite.query<Record<string, unknown>>(text, params as unknown[], {
        parsers: PARSERS,
      });
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length, fields: r.fields };
    }
    return this.lastResult(await this.pglite.exec(text, { parsers: PARSERS }));
  }

  private lastResult(results: Awaited<ReturnType<PGlite['exec']>>): PgLikeResult {
    const last = results[results.length - 1];
    if (!last) return { rows: [], rowCount: 0, fields: [] };
    const rows = last.rows as Record<string, unknown>[];
    return { rows, rowCount: last.affectedRows ?? rows.length, fields: last.fields };
  }

  private async listenStatement(client: PglitePoolClient, verb: string, text: string): Promise<PgLikeResult> {
    const channel = channelOf(text);
    if (verb === 'LISTEN') {
      if (!channel) throw new Error(`Cannot parse LISTEN statement: ${text}`);
      let set = this.channelListeners.get(channel);
      if (!set) {
        set = new Set();
        this.channelListeners.set(channel, set);
        await this.pglite.exec(`LISTEN ${quoteIdent(channel)}`);
      }
      set.add(client);
      client.channels.add(channel);
    } else if (channel) {
      await this.unlisten(client, channel);
    } else {
      for (const c of [...client.channels]) await this.unlisten(client, c);
    }
    return { rows: [], rowCount: 0, fields: [] };
  }

  private async unlisten(client: PglitePoolClient, channel: string): Promise<void> {
    client.channels.delete(channel);
    const set = this.channelListeners.get(channel);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) {
      this.channelListeners.delete(channel);
      if (!this.ended && !this.pglite.closed) await this.pglite.exec(`UNLISTEN ${quoteIdent(channel)}`);
    }
  }

  private takeOwnership(client: PglitePoolClient) {
    this.owner = client;
    this.ownerReleased = new Promise((resolve) => {
      this.releaseOwner = resolve;
    });
  }

  private dropOwnership() {
    this.owner = null;
    const release = this.releaseOwner;
    this.ownerReleased = null;
    this.releaseOwner = null;
    release?.();
  }
}

export class PglitePoolClient extends EventEmitter {
  /** @internal channels this client LISTENs on */
  readonly channels = new Set<string>();
  private released = false;

  constructor(private readonly pool: PglitePool) {
    super();
  }

  query(text: string | NamedQuery, params?: readonly unknown[]): Promise<PgLikeResult> {
    if (this.released) return Promise.reject(new Error('Client was released to the pool'));
    return this.pool.run(this, text, params);
  }

  release(_destroy?: boolean): void {
    if (this.released) return;
    this.released = true;
    this.pool.releaseClient(this).catch((err: unknown) => this.pool.emit('error', err));
  }
}

const LEADING_COMMENTS = /^\s*(?:--[^\n]*(?:\n|$)\s*|\/\*[\s\S]*?\*\/\s*)*/;

function leadingVerb(text: string): string {
  return /^([A-Za-z]+)/.exec(text.replace(LEADING_COMMENTS, ''))?.[1]?.toUpperCase() ?? '';
}

/** The channel of `LISTEN x` / `LISTEN "X"` / `UNLISTEN x`, folded as PostgreSQL folds it. */
function channelOf(text: string): string | null {
  const m = /^(?:UN)?LISTEN\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\s*;?\s*$/i.exec(
    text.replace(LEADING_COMMENTS, ''),
  );
  if (!m) return null;
  if (m[1] !== undefined) return m[1].replace(/""/g, '"');
  return m[2] === '*' ? null : (m[2]?.toLowerCase() ?? null);
}

/** A parameter as an SQL literal: `pg`'s text form of it, quoted (bytea as hex); NULL for null. */
function literal(value: unknown): string {
  const v = pgUtils.prepareValue(value);
  if (v === null) return 'NULL';
  if (Buffer.isBuffer(v)) return `'\\x${v.toString('hex')}'`;
  return pgUtils.escapeLiteral(String(v));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
