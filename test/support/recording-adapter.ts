import {
  type ChannelAdapter,
  type ChannelName,
  ChannelSendError,
  type OutboundMessage,
  type SendResult,
} from '../../src/kernel/chat/port.js';

/**
 * A channel adapter for queue tests: records each send with its time and fails the next sends
 * as told. (Adapter-level behaviour against the real protocols is tested with the fakes.)
 */
export class RecordingAdapter implements ChannelAdapter {
  readonly capabilities = {
    buttons: true,
    edits: true,
    privateMessages: true,
    mentions: true,
    maxTextLength: 4096,
  };
  readonly sent: { message: OutboundMessage; at: number }[] = [];
  readonly attempts: { text: string; at: number; outcome: string }[] = [];
  private readonly faults: ChannelSendError[] = [];
  /** chats whose every send fails permanently with this message (`not_started: …`) */
  private readonly refusing = new Map<string, string>();
  private seq = 0;

  constructor(readonly name: ChannelName = 'telegram') {}

  failNext(kind: ChannelSendError['kind'], retryAfterMs?: number) {
    this.faults.push(new ChannelSendError(kind, `injected ${kind}`, retryAfterMs));
  }

  /** Every send to this chat fails `permanent` with `message`, as a platform refusing it would. */
  refuse(chatExternalId: string, message: string) {
    this.refusing.set(chatExternalId, message);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const refusal = this.refusing.get(message.chat.externalId);
    const fault = refusal ? new ChannelSendError('permanent', refusal) : this.faults.shift();
    const at = Date.now();
    if (fault) {
      this.attempts.push({ text: message.text, at, outcome: fault.kind });
      throw fault;
    }
    this.attempts.push({ text: message.text, at, outcome: 'sent' });
    this.sent.push({ message, at });
    return { messageId: String(++this.seq) };
  }

  texts(): string[] {
    return this.sent.map((s) => s.message.text);
  }
}
