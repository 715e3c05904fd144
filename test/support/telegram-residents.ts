import type { InlineKeyboardButton, InlineKeyboardMarkup, Message } from 'grammy/types';
import type { CallRecord, FakeTelegram, FakeUser, NewUpdate } from '../fakes/telegram/index.js';
import type { SentMessage } from '../fakes/telegram/server.js';

/**
 * Telegram's side of a webhook, as Telegram behaves: an update is POSTed again, with the same
 * `update_id`, until it is answered 2xx (a refused connection, a 5xx or a timeout are retried).
 * Counts the acknowledgements, so a test can act after the n-th one.
 */
export class TelegramWebhookSender {
  private nextId: number;
  acknowledged = 0;
  /** deliveries that needed more than one attempt */
  retried = 0;
  onAck: ((n: number) => void) | undefined;
  /** updates Telegram never gave the bot (privacy mode) */
  withheld = 0;
  /** updates sent (first attempts) */
  sent = 0;
  /** called as the n-th update's first attempt leaves */
  onSend: ((n: number) => void) | undefined;

  constructor(
    private readonly fake: FakeTelegram,
    private readonly o: { firstUpdateId?: number; retryMs?: number; giveUpMs?: number } = {},
  ) {
    this.nextId = o.firstUpdateId ?? 5000;
  }

  async deliver(update: NewUpdate): Promise<void> {
    const full = { ...update, update_id: update.update_id ?? this.nextId++ };
    const deadline = Date.now() + (this.o.giveUpMs ?? 240_000);
    this.onSend?.(++this.sent);
    for (let attempt = 1; ; attempt++) {
      const hook = this.fake.webhook();
      if (hook) {
        try {
          const r = await this.fake.postUpdateToWebhook(hook.url, full, hook.secretToken);
          if (r.withheld) {
            this.withheld++;
            return;
          }
          if (r.status >= 200 && r.status < 300) {
            if (attempt > 1) this.retried++;
            this.onAck?.(++this.acknowledged);
            return;
          }
        } catch {
          // the process is down: Telegram tries again later
        }
      }
      if (Date.now() > deadline)
        throw new Error(`update ${full.update_id} was never acknowledged (${attempt} attempts)`);
      await new Promise((r) => setTimeout(r, this.o.retryMs ?? 200));
    }
  }
}

interface Prompt {
  messageId: number;
  text: string;
  buttons: InlineKeyboardButton.CallbackButton[];
  /** the payload of its deep-link button into the private chat, if it has one */
  startLink: string | undefined;
}

const NUMBER = /已受理！您的报事编号是 (\d{8}-\d{4})。/;

/** Which step of the built-in complaint flow a bot message asks for. */
function stepOf(text: string): string | null {
  if (NUMBER.test(text)) return 'done';
  if (text.includes('报事请私聊我')) return 'offer';
  if (text.includes('您要反映哪一类问题')) return 'category';
  if (text.includes('请简单说一下是什么问题')) return 'description';
  if (text.includes('问题在哪儿')) return 'location';
  if (text.includes('现场照片')) return 'photo';
  if (text.includes('要匿名吗')) return 'anonymous';
  if (text.includes('类别：')) return 'confirm';
  return null;
}

/**
 * A resident filing a complaint through the built-in flow, as a person does on Telegram: writes
 * /complaint in the group, taps the deep link of the bot's answer there (`/start <payload>` in the
 * private chat), then reads each of the bot's private messages and answers it (a button press, or a
 * reply to the prompt). A prompt that arrives twice (sending is at least once) is answered once:
 * each step is answered once. Resolves with the complaint's number.
 */
export async function fileComplaintInGroup(o: {
  fake: FakeTelegram;
  sender: TelegramWebhookSender;
  group: { id: number; title: string };
  user: FakeUser;
  description: string;
  location: string;
  /** how long one step may wait for the bot (a restart in between included) */
  stepTimeoutMs?: number;
}): Promise<string> {
  const { fake, sender, group, user } = o;
  const taken = new Set<CallRecord>();
  const say = (chatId: number, text: string, replyTo?: number) =>
    sender.deliver(
      fake.makeTextMessageUpdate({
        chatId,
        ...(chatId === group.id ? { chatType: 'supergroup' as const, chatTitle: group.title } : {}),
        from: user,
        text,
        ...(replyTo === undefined ? {} : { replyToMessageId: replyTo }),
      }),
    );
  const press = (p: Prompt, label: string) => {
    const b = p.buttons.find((x) => x.text === label) ?? p.buttons[0];
    if (!b) throw new Error(`no button "${label}" in: ${p.text}`);
    return sender.deliver(
      fake.makeCallbackQueryUpdate({
        chatId: user.id,
        from: user,
        data: b.callback_data,
        messageId: p.messageId,
      }),
    );
  };
  /** the bot's next message to the user: @-mentioning them in the group, or in their private chat */
  const next = async (): Promise<Prompt> => {
    const call = await fake.waitForCall('sendMessage', {
      timeoutMs: o.stepTimeoutMs ?? 150_000,
      predicate: (c) =>
        !taken.has(c) &&
        c.response?.ok === true &&
        (Number(c.params.chat_id) === user.id ||
          (Number(c.params.chat_id) === group.id &&
            String(c.params.text).includes(`tg://user?id=${user.id}`))),
    });
    taken.add(call);
    const m = (call.response as { result: Message }).result;
    const markup = call.params.reply_markup as Partial<InlineKeyboardMarkup> | undefined;
    return {
      messageId: m.message_id,
      text: m.text ?? '',
      buttons: (markup?.inline_keyboard ?? [])
        .flat()
        .filter((b) => 'callback_data' in b) as InlineKeyboardButton.CallbackButton[],
      startLink: fake.startLinkOf({ reply_markup: markup } as unknown as SentMessage),
    };
  };

  await say(group.id, '/complaint');
  const answered = new Set<string>();
  for (;;) {
    const p = await next();
    const step = stepOf(p.text);
    if (step === 'done') return NUMBER.exec(p.text)![1]!;
    if (step === null || answered.has(step)) continue; // another notice, or a prompt sent twice
    answered.add(step);
    if (step === 'offer') await say(user.id, `/start ${p.startLink}`);
    else if (step === 'category') await press(p, p.buttons[0]?.text ?? '');
    else if (step === 'description') await say(user.id, o.description, p.messageId);
    else if (step === 'location') await say(user.id, o.location, p.messageId);
    else if (step === 'photo') await say(user.id, '跳过', p.messageId);
    else if (step === 'anonymous') await press(p, '否');
    else if (step === 'confirm') await press(p, '是');
  }
}
