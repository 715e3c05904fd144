/**
 * Runs tasks one after another per key (a chat) and different keys concurrently.
 *
 * Contract: `run(key, task)` starts `task` once every earlier task of the same key has settled
 * and returns the task's own outcome; a task that throws never blocks the tasks queued behind it.
 * A key is forgotten as soon as its chain is idle, so the map holds only busy chats.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with queued or running tasks. */
  get busyKeys(): number {
    return this.tails.size;
  }

  /** Resolves once no task of any key is queued or running (including tasks queued meanwhile). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

const noop = (): void => {};
