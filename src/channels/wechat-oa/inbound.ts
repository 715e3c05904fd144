/**
 * An Official Account's pushed XML (decrypted, parsed) → `InboundMessage`. No business rule here:
 * who wrote, what they said or pressed. Every chat is private (a follower and the account); the
 * chat id and the person's id are both the follower's OpenID.
 *
 * - text: as typed, `/name args` read as a command; a bare number answering the numbered choices
 *   last sent to this follower is the choice (resolved here, forgotten by the adapter only once the
 *   turn is handled, so WeChat's retry of a failed turn still finds it);
 * - voice with WeChat's speech recognition on (`Recognition`): the recognised text;
 * - image: a photo whose bytes are read on demand (`PicUrl`, else `media/get` of its MediaId);
 * - location: its label as the text, the point as a location ref;
 * - events: `subscribe` (with `qrscene_<payload>` from a parametric QR code) and `SCAN` are
 *   `/start <payload>` (a deep link, as on Telegram); a compound's QR code (`in<orgId>[_<payload>]`)
 *   also says which door the follower came in by (`entry`: they become its resident, as writing in
 *   its residents' group makes someone); a menu `CLICK` with key `complaint` or
 *   `language en` is `/complaint`, `/language en`; `unsubscribe`, `VIEW` and the platform's
 *   notices about its own sends are nobody speaking to the bot: null.
 *
 * Update ids, for deduplicating WeChat's three tries: `MsgId` for messages; `<OpenID>-<CreateTime>-
 * <Event>-<EventKey>` for events (WeChat recommends OpenID + CreateTime: events carry no MsgId).
 */
import { type InboundMessage, type MediaRef, parseChoiceNumber } from '../../kernel/chat/port.js';
import { storableDeep, storableText } from '../../kernel/db/storable-text.js';
import type { ChoiceMemory } from '../wechat/choice-memory.js';
import { parseCommand } from '../wechat/inbound.js';

/**
 * A compound's door: the scene of a QR code an admin made for an org (`in<orgId>`, then
 * `_<payload>` for what it opens: `in12_complaint`). See `compoundScene`.
 */
const COMPOUND_DOOR = /^in(\d{1,15})(?:_(.+))?$/;

/** The scene of a compound's QR code (at most 64 characters: WeChat's limit for a string scene). */
export function compoundScene(orgId: number, payload?: string): string {
  return payload ? `in${orgId}_${payload}` : `in${orgId}`;
}

/** How a follower is named where a name is needed: WeChat no longer tells an account its followers' nicknames. */
export const FOLLOWER_NAME = '微信用户';

export interface OaInbound {
  message: InboundMessage;
  /** a number that answered pending choices: forget them once the turn is handled */
  answeredChoices: boolean;
}

export async function toInbound(
  f: Record<string, string>,
  deps: {
    choices: ChoiceMemory;
    loadPhoto: (f: {
      picUrl?: string;
      mediaId?: string;
    }) => Promise<{ bytes: Uint8Array; contentType: string } | null>;
    now?: () => Date;
  },
): Promise<OaInbound | null> {
  const openId = f.FromUserName;
  const type = f.MsgType;
  if (!openId || !type) return null;
  const event = type === 'event' ? (f.Event ?? '') : '';
  // an event's key is part of it: two different menu items pressed within one second are two
  // presses, the same one twice within a second is WeChat's retry (or a double tap) and is one
  const updateId = f.MsgId
    ? f.MsgId
    : `${openId}-${f.CreateTime ?? '0'}-${event || type}${f.EventKey ? `-${f.EventKey.slice(0, 128)}` : ''}`;
  const base: InboundMessage = {
    channel: 'wechat_oa',
    updateId,
    messageId: f.MsgId ?? updateId,
    chat: { externalId: openId, kind: 'private' },
    sender: { externalId: openId, displayName: FOLLOWER_NAME, isBot: false },
    addressedToBot: true,
    media: [],
    receivedAt: deps.now?.() ?? new Date(),
  };
  const done = (m: InboundMessage, answeredChoices = false): OaInbound => ({
    message: storableDeep(m),
    answeredChoices,
  });

  if (type === 'event') {
    const key = f.EventKey ?? '';
    if (event === 'subscribe' || event === 'SCAN') {
      const scene = event === 'subscribe' ? key.replace(/^qrscene_/, '') : key;
      const door = COMPOUND_DOOR.exec(scene);
      const payload = door ? (door[2] ?? '') : scene;
      return done({
        ...base,
        text: payload ? `/start ${payload}` : '/start',
        command: { name: 'start', args: payload },
        ...(payload ? { startPayload: payload } : {}),
        ...(door ? { entry: { orgId: Number(door[1]) } } : {}),
      });
    }
    if (event === 'CLICK') {
      const command = parseCommand(`/${key}`);
      return command ? done({ ...base, text: `/${key}`, command }) : null;
    }
    return null;
  }

  if (type === 'text' || (type === 'voice' && f.Recognition)) {
    const text = storableText((type === 'text' ? f.Content : f.Recognition) ?? '').trim();
    const message: InboundMessage = { ...base, text };
    const command = parseCommand(text);
    if (command) message.command = command;
    const n = parseChoiceNumber(text, 99);
    if (n !== null) {
      const choice = await deps.choices.resolve(openId, openId, n);
      if (choice) return done({ ...message, choice: choice.payload }, true);
    }
    return done(message);
  }
  if (type === 'image') {
    const ref: MediaRef = {
      kind: 'photo',
      ref: f.MediaId ?? updateId,
      load: () => deps.loadPhoto({ picUrl: f.PicUrl, mediaId: f.MediaId }),
    };
    return { message: { ...storableDeep(base), media: [ref] }, answeredChoices: false };
  }
  if (type === 'location') {
    return done({
      ...base,
      text: f.Label ?? '',
      media: [{ kind: 'location', ref: `${f.Location_X ?? ''},${f.Location_Y ?? ''}` }],
    });
  }
  const kind: MediaRef['kind'] =
    type === 'voice' ? 'voice' : type === 'video' || type === 'shortvideo' ? 'video' : 'other';
  return done({ ...base, media: [{ kind, ref: f.MediaId ?? updateId }] });
}
