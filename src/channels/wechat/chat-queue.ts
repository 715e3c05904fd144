/**
 * Runs tasks one at a time per key (a chat) in push order, different keys in parallel. Tasks must not
 * reject (the adapter's task catches and logs everything); an idle key holds no memory.
 */
export class ChatQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** synchronous: the task's place in its chat is fixed when this returns */
  push(key: string, task: () => Promise<void>): void {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task);
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** chats with queued or running tasks */
  get busy(): number {
    return this.tails.size;
  }

  /** resolves when every queued task has run, or after `timeoutMs` (then false) */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.tails.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const all = Promise.allSettled([...this.tails.values()]).then(() => true as const);
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
