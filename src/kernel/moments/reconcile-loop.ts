/**
 * Runs `sweep` now (awaited, so a start has swept once) and again `everyMs` after each run ends,
 * so a long sweep never overlaps the next, until `stop()`. The timer does not keep the process
 * alive. Errors are the sweep's to catch and log.
 */
export async function startReconcileLoop(
  sweep: () => Promise<unknown>,
  everyMs: number,
): Promise<{ stop(): void }> {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const loop = async () => {
    await sweep();
    if (!stopped) {
      timer = setTimeout(loop, everyMs);
      timer.unref();
    }
  };
  await loop();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
