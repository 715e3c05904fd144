import { isInTransaction, TransactionMisuseError } from './db.js';

/**
 * Coalesces concurrent calls of one statement into one statement for many inputs (group commit
 * for writes, one round trip for many reads): under load, ten turns waiting on the same kind of
 * statement cost PostgreSQL one parse, one plan and one commit instead of ten.
 *
 * Contract:
 * - `load(input)` resolves with `run(batch)[i]` for its input's index `i` in the batch; `run`
 *   must answer with one output per input, in order;
 * - the calls made while the event loop is busy (one I/O phase), and all calls made while
 *   `maxInFlight` batches run, go together in the next batch (at most `maxBatch` inputs);
 *   an idle batcher adds no delay beyond one `setImmediate`;
 * - if a batch fails, each of its inputs runs again alone, so one bad input fails only its
 *   own caller;
 * - `load` refuses to run inside `db.transaction()`: the batch runs outside any transaction, on
 *   its own connection (on PGlite's single connection it would wait for the caller's transaction).
 */
export class Batcher<I, O> {
  private pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  load(input: I): Promise<O> {
    if (isInTransaction()) throw new TransactionMisuseError();
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    if (this.inFlight >= (this.opts.maxInFlight ?? 2)) return; // the running batch's end flushes
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.opts.maxBatch ?? 500);
    if (batch.length === 0) return;
    this.inFlight++;
    try {
      const outputs = await this.runChecked(batch.map((b) => b.input));
      for (const [i, b] of batch.entries()) b.resolve(outputs[i] as O);
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else
        await Promise.all(
          batch.map((b) =>
            this.runChecked([b.input]).then(
              (o) => b.resolve(o[0] as O),
              (e: unknown) => b.reject(e),
            ),
          ),
        );
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async runChecked(inputs: I[]): Promise<O[]> {
    const outputs = await this.run(inputs);
    if (outputs.length !== inputs.length)
      throw new Error(`batch answered ${outputs.length} outputs for ${inputs.length} inputs`);
    return outputs;
  }
}
