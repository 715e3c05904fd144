import type { InboundContext } from './dispatcher.js';

/**
 * A module's chat handler: takes the messages and button presses that are its own (its callback
 * data, its commands) and answers true; anything else it leaves alone (false) for the next one.
 * The app tries every module's handlers in the order of MODULES (src/app/modules.ts), then hands
 * what none took to the flow engine — the same order in production and in tests.
 */
export interface ChatHandler {
  handle(ctx: InboundContext): Promise<boolean>;
}

/** The dispatcher's `next`: each handler in turn, then `last` for what none of them took. */
export function handOn(handlers: readonly ChatHandler[], last: (ctx: InboundContext) => Promise<unknown>) {
  return async (ctx: InboundContext): Promise<void> => {
    for (const h of handlers) if (await h.handle(ctx)) return;
    await last(ctx);
  };
}
