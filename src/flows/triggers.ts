import type { InboundMessage } from '../kernel/chat/port.js';
import type { Trigger } from './flow-schema.js';

/** Whether a message fires a trigger; `arg` is what follows a button or deep-link payload. */
export function triggerHit(t: Trigger, m: InboundMessage): { arg?: string } | null {
  switch (t.type) {
    case 'command':
      return m.command?.name === t.command ? { arg: m.command.args || undefined } : null;
    case 'keyword': {
      const text = m.text?.trim();
      if (!text || m.command) return null;
      return t.keywords.some((k) => text === k || (text.startsWith(k) && text.length <= k.length + 1))
        ? {}
        : null;
    }
    case 'button': {
      for (const payload of [m.choice, m.startPayload]) {
        if (!payload) continue;
        if (payload === t.payload) return {};
        for (const sep of [':', '-'])
          if (payload.startsWith(t.payload + sep)) return { arg: payload.slice(t.payload.length + 1) };
      }
      return null;
    }
    case 'system':
      return null;
  }
}
