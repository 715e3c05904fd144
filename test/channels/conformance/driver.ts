/**
 * What the channel conformance suite needs from a platform, whatever the platform: a way to make it
 * deliver an inbound event to the adapter, and a way to see what it received from the adapter. Each
 * driver (telegram-driver.ts, wechat-driver.ts) hides its fake behind this, so one suite
 * (channel-conformance.test.ts) asserts the same port contract on every adapter.
 *
 * Timing: every `say…` / `press…` resolves once the platform has handed the event to the adapter, not
 * once the handler ran (use `until` for that). Events started without awaiting in between reach the
 * adapter in call order.
 */
import type {
  ChannelAdapter,
  ChannelName,
  ChatRef,
  InboundHandler,
  PersonRef,
} from '../../../src/kernel/chat/port.js';

/** A message the platform received from the bot, in a platform-neutral shape. */
export interface ObservedMessage {
  /** the platform's chat id (Telegram chat id, WeChat room id or contact id) */
  chatId: string;
  /** the id the platform gave the message (what `send` must return) */
  messageId: string;
  /** the text as the members see it (markup rendered, mention prefix included) */
  text: string;
  /** people the message notifies (Telegram text mentions, WeChat @ ids) */
  mentionIds: string[];
  /** button labels in order (platforms with buttons only) */
  buttons?: string[];
}

export interface ChannelDriver {
  readonly name: ChannelName;
  /** the adapter under test, built on the platform's fake (not started before `start`) */
  readonly adapter: ChannelAdapter;
  /** starts the adapter with `handler` */
  start(handler: InboundHandler): Promise<void>;
  /** a group chat the bot and the resident are in */
  groupChat(): ChatRef;
  /** the resident's private chat with the bot */
  privateChat(): ChatRef;
  /** a resident, member of `groupChat()` */
  resident(): PersonRef;
  /** the resident writes in the group; `mentionBot` addresses the bot the platform's way (@name) */
  sayInGroup(text: string, opts?: { mentionBot?: boolean }): Promise<void>;
  /** the resident writes to the bot privately */
  sayPrivately(text: string): Promise<void>;
  /** a message in the group from the bot's own account or from another bot */
  botSpeaksInGroup(text: string): Promise<void>;
  /**
   * The resident picks choice `index` (0-based) of a message the bot sent: Telegram presses the inline
   * button, WeChat replies the bare number in the same chat.
   */
  pressChoice(sent: ObservedMessage, index: number): Promise<void>;
  /** everything the platform received from the bot, in send order (the bot's own echoes excluded) */
  received(): ObservedMessage[];
  /** a chat the platform does not know (or the bot is not in) */
  unknownChat(): ChatRef;
  /** stops the adapter and the fake; idempotent */
  stop(): Promise<void>;
}

/** What `describe.each` iterates: a fresh driver per test. */
export interface DriverFactory {
  readonly name: ChannelName;
  create(): Promise<ChannelDriver>;
}

/** Polls `check` every 5 ms until it holds; throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`until: ${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A gate a test opens by hand: `wait` resolves once `open()` was called. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}
