/**
 * Test harness: drive a real `Wechaty` instance through `wechaty-puppet-mock`.
 *
 * Verified against wechaty 1.20.2 + wechaty-puppet-mock 1.19.4. Facts the harness works around:
 *  - the mock puppet never emits `ready`: `login()` emits it after `mocker.login()`;
 *  - `PuppetMock.messageSendText()` drops the `mentionIdList` that `room.say(text, ...contacts)` passes,
 *    so `HarnessPuppet` re-implements sending and keeps it (and returns the new message id);
 *  - a room id must contain `@` (`<cuid>@chatroom`): the mock decides room vs contact by that;
 *  - wechaty loads room/contact payloads asynchronously on first use, so a burst that touches a
 *    not-yet-loaded room or contact can be emitted out of order: `createResident` / `createRoom`
 *    pre-load them into wechaty's cache, after which delivery is FIFO;
 *  - room messages always carry `mentionIdList` (possibly `[]`; the stock `ContactMock.say` does the same),
 *    so wechaty never falls back to parsing `@name` out of the text: pass `mentions` to `say()` for
 *    `msg.mentionSelf()` to be true.
 *
 * Friends (the one refusal of a personal account that the stock mock lacks; /work/shared/platforms.md):
 *  - a contact made by `createResident` is a stranger who shares rooms with the bot, not a friend
 *    (`payload.friend === false`); it becomes a friend when it sends a friend request
 *    (`requestFriendship`) and the bot accepts it, or at once through `befriend` (a test's setup);
 *  - the bot can send privately only to friends: `messageSendText` / `messageSendFile` to a stranger
 *    throws what wechaty-puppet-wechat4u throws there (web WeChat answers `BaseResponse.Ret` 1204,
 *    which wechat4u turns into `AssertionError: 1204 == 0` with `tips: '发送文本信息失败'`); nothing is
 *    recorded in `sent`. A stranger cannot message the bot privately either: `say()` without a room
 *    from a stranger rejects;
 *  - `unfriend` is the person deleting the bot: WeChat does not tell the bot, so its contact cache still
 *    says friend while sends to that person fail;
 *  - accepting a request emits a `friendship` event of type Confirm afterwards, as wechat4u does when
 *    WeChat reports "你已添加了…，现在可以开始聊天了".
 */
import type { EventEmitter } from 'node:events';
import { type payloads, types, type Wechaty, WechatyBuilder } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';

export type ContactMock = mock.ContactMock;
export type RoomMock = mock.RoomMock;
export type MessageMock = mock.MessageMock;
type FileLike = Parameters<PuppetMock['messageSendFile']>[1];

/** A message the bot sent, as seen by the mock (talker = the bot's ContactMock). In send order. */
export interface SentMessage {
  /** mock message id (a cuid) */
  id: string;
  /** set when sent into a room (`<cuid>@chatroom`) */
  roomId?: string;
  /** set when sent privately to a contact */
  toId?: string;
  /** exact text; for `room.say(text, c)` wechaty prefixes `@<name> ` (joined with U+2005 for several) */
  text: string;
  /** ids the bot @-mentioned (from `room.say(text, ...contacts)` or the tagged-template form) */
  mentionIds: string[];
  type: types.Message;
}

export interface SayOptions {
  /** speak in this room; omitted → private message to the bot (or to `to`) */
  room?: RoomMock;
  /** private recipient (default: the bot); ignored when `room` is set */
  to?: ContactMock;
  /** contacts @-mentioned (room only). The text is sent verbatim: include `@Name\u2005` yourself. */
  mentions?: ContactMock[];
}

export interface NonTextOptions {
  room?: RoomMock;
  to?: ContactMock;
  /** attachment served by `msg.toFileBox()` (default: a tiny fake PNG named `image.png`) */
  file?: { name: string; data: Buffer };
}

export interface StartWechatMockOptions {
  /** display name of the bot account (default `邻里助手`) */
  botName?: string;
  /** fixed contact id of the bot (default: generated cuid) */
  botId?: string;
  /** log in (and emit `ready`) during start (default true). Set false to test `scan` first. */
  login?: boolean;
  /** how long `say()` waits for wechaty to emit the message (default 5000 ms) */
  deliverTimeoutMs?: number;
  /**
   * Hook run after the Wechaty instance is built but before it is started or logged in: attach the
   * adapter here to observe the initial `login` / `ready` / `scan` events.
   */
  beforeStart?: (wechaty: Wechaty) => void | Promise<void>;
}

export interface WechatMock {
  wechaty: Wechaty;
  mocker: mock.Mocker;
  puppet: HarnessPuppet;
  /** the bot's own account on the mock side */
  bot: ContactMock;
  /** everything the bot sent, in order */
  sent: SentMessage[];
  /** `error` events wechaty emitted (a test can assert it stays empty) */
  errors: Error[];
  /** create a contact (and pre-load it into wechaty's cache) */
  createResident(name: string, opts?: { id?: string }): Promise<ContactMock>;
  /** create a room whose members are the bot + `members` (pre-loaded into wechaty's cache) */
  createRoom(topic: string, members: ContactMock[], opts?: { id?: string }): Promise<RoomMock>;
  /**
   * `from` says `text` in `opts.room`, or privately to the bot. The message is emitted synchronously (so
   * a non-awaited loop is a real burst); the promise resolves with the message id once wechaty has
   * emitted `message` to its listeners (their synchronous part has run), and rejects after
   * `deliverTimeoutMs`.
   */
  say(from: ContactMock, text: string, roomOrOpts?: RoomMock | SayOptions): Promise<string>;
  /** like `say`, but a non-text message (`types.Message.Image`, `.Audio`, `.Emoticon`, ...) without text */
  sayNonText(from: ContactMock, type: types.Message, opts?: NonTextOptions): Promise<string>;
  /** resolve with the first sent message (already sent or future) matching `predicate` */
  waitForSent(predicate: (m: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  /** emit a `scan` event (QR code login flow); default status Waiting */
  scan(qrcode: string, status?: types.ScanStatus): Promise<void>;
  /** log the bot in; resolves after wechaty emitted `login` and then `ready` */
  login(): Promise<void>;
  /** log the bot out; resolves after wechaty emitted `logout` */
  logout(reason?: string): Promise<void>;
  /** stop wechaty (note: emits `logout` with reason `puppet stop()` if still logged in) */
  stop(): Promise<void>;
  /**
   * `from` sends the bot a friend request (as a person does: search the bot, or add it from a shared
   * room). Resolves with the friendship id once wechaty has emitted `friendship` (type Receive) to its
   * listeners; whether the bot accepts is up to them (`waitForFriend`).
   */
  requestFriendship(from: ContactMock, hello?: string): Promise<string>;
  /** make `contact` a friend of the bot at once (test setup; wechaty's contact cache is refreshed) */
  befriend(contact: ContactMock): Promise<void>;
  /** `contact` deletes the bot: later private sends to it fail; the bot's contact cache is not told */
  unfriend(contact: ContactMock): void;
  /** whether `contact` and the bot are friends (WeChat's truth, not the bot's cache) */
  isFriend(contact: ContactMock): boolean;
  /** resolves once `contact` is a friend (e.g. the bot accepted its request); rejects after `timeoutMs` */
  waitForFriend(contact: ContactMock, timeoutMs?: number): Promise<void>;
}

/** the puppet's error for a private send to a contact who is not a friend (see the note at the top) */
export function notFriendSendError(contactId: string): Error {
  return Object.assign(new Error('1204 == 0'), {
    name: 'AssertionError',
    code: 'ERR_ASSERTION',
    actual: 1204,
    expected: 0,
    operator: '==',
    tips: '发送文本信息失败',
    contactId,
  });
}

/**
 * PuppetMock whose text/file sending keeps the mention list and returns the new message id
 * (the stock mock drops `mentionIdList` and returns nothing).
 */
export class HarnessPuppet extends PuppetMock {
  override async messageSendText(
    conversationId: string,
    text: string,
    mentionIdList?: string[],
  ): Promise<void> {
    // `Promise<void>` is the base class's declared type; a string id is returned at runtime
    // (wechaty then resolves `room.say()` / `contact.say()` to the sent Message).
    return this.sendAsBot(conversationId, text, mentionIdList ?? []) as unknown as undefined;
  }

  override async messageSendFile(conversationId: string, file: FileLike): Promise<void> {
    return this.sendAsBot(conversationId, file, []) as unknown as undefined;
  }

  /** friend requests sent to the bot, by friendship id */
  private readonly friendships = new Map<string, payloads.Friendship>();
  /** called with the contact id whenever a contact becomes a friend */
  onBefriended: (contactId: string) => void = () => {};

  /** WeChat's truth: the mock's contact payload (wechaty's cache of it may be older) */
  isFriendId(contactId: string): boolean {
    return contactId === this.currentUserId || this.mocker.contactPayload(contactId).friend === true;
  }

  /** set WeChat's truth (the bot's cache is not touched: see `befriend` / `unfriend`) */
  setFriend(contactId: string, friend: boolean): void {
    this.mocker.contactPayload(contactId, { ...this.mocker.contactPayload(contactId), friend });
    if (friend) this.onBefriended(contactId);
  }

  /** a friend request from `contactId` to the bot; the caller emits the `friendship` event */
  addFriendRequest(contactId: string, hello: string): payloads.Friendship {
    const payload: payloads.Friendship = {
      id: `mock-friendship-${Date.now().toString(36)}-${++friendshipSeq}`,
      contactId,
      hello,
      ticket: `ticket-${friendshipSeq}`,
      timestamp: Math.floor(Date.now() / 1000),
      type: types.Friendship.Receive,
    };
    this.friendships.set(payload.id, payload);
    return payload;
  }

  override async friendshipRawPayload(id: string): Promise<payloads.Friendship> {
    const payload = this.friendships.get(id);
    if (!payload) throw new Error(`no friendship ${id}`);
    return payload;
  }

  override async friendshipRawPayloadParser(raw: payloads.Friendship): Promise<payloads.Friendship> {
    return raw;
  }

  /** accepts a received request: the contact becomes a friend, then a Confirm event follows */
  override async friendshipAccept(friendshipId: string): Promise<void> {
    if (!this.isLoggedIn) throw new Error('not logged in');
    const request = this.friendships.get(friendshipId);
    if (!request || request.type !== types.Friendship.Receive) {
      throw new Error(`no friend request ${friendshipId} to accept`);
    }
    this.setFriend(request.contactId, true);
    const confirm: payloads.Friendship = {
      id: `${friendshipId}-confirm`,
      contactId: request.contactId,
      timestamp: Math.floor(Date.now() / 1000),
      type: types.Friendship.Confirm,
    };
    this.friendships.set(confirm.id, confirm);
    setImmediate(() => {
      if (this.isLoggedIn) this.emit('friendship', { friendshipId: confirm.id });
    });
  }

  private sendAsBot(conversationId: string, something: string | FileLike, mentionIdList: string[]): string {
    if (!this.isLoggedIn) throw new Error('not logged in');
    if (!conversationId.includes('@') && !this.isFriendId(conversationId)) {
      throw notFriendSendError(conversationId);
    }
    const user = this.mocker.ContactMock.load(this.currentUserId);
    const conversation = conversationId.includes('@')
      ? this.mocker.RoomMock.load(conversationId)
      : this.mocker.ContactMock.load(conversationId);
    const mentions = mentionIdList.map((id) => this.mocker.ContactMock.load(id));
    let sentId: string | undefined;
    // the mock emits `message` on the talker's ContactMock synchronously inside `to()`
    const capture = (msg: MessageMock): void => {
      if (msg.payload.talkerId === user.id) sentId ??= msg.id;
    };
    events(user).on('message', capture);
    try {
      user.say(something, mentions).to(conversation);
    } finally {
      events(user).off('message', capture);
    }
    if (!sentId) throw new Error('mock did not create the sent message');
    return sentId;
  }
}

// 1x1 transparent PNG
const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const FILE_BOX_TYPE_BASE64 = 1; // file-box FileBoxType.Base64 (stable number, used by toJSON/fromJSON)

let messageSeq = 0;
let friendshipSeq = 0;

/**
 * The mock's ContactMock/RoomMock are plain node EventEmitters at runtime, but their `typed-emitter`
 * typings do not resolve under NodeNext (the class ends up without `on`/`off`), hence this cast.
 */
function events(x: ContactMock | RoomMock): EventEmitter {
  return x as unknown as EventEmitter;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export async function startWechatMock(opts: StartWechatMockOptions = {}): Promise<WechatMock> {
  const deliverTimeoutMs = opts.deliverTimeoutMs ?? 5000;
  const mocker = new mock.Mocker();
  const puppet = new HarnessPuppet({ mocker });
  // always pass the puppet explicitly: without it wechaty falls back to wechaty-puppet-wechat4u
  const wechaty = WechatyBuilder.build({ puppet });

  const botPayload: { name: string; id?: string } = { name: opts.botName ?? '邻里助手' };
  if (opts.botId) botPayload.id = opts.botId;
  const bot = mocker.createContact(botPayload);

  const sent: SentMessage[] = [];
  const errors: Error[] = [];
  const sentWaiters = new Set<(m: SentMessage) => void>();
  const deliveryWaiters = new Map<string, () => void>();

  // record what the bot sends from the mock side: every mock message whose talker is the bot
  const onBotMockMessage = (msg: MessageMock): void => {
    const p = msg.payload;
    if (p.talkerId !== bot.id) return; // also fires for messages *to* the bot (listener = bot)
    const record: SentMessage = {
      id: p.id,
      text: p.text ?? '',
      mentionIds: 'mentionIdList' in p && Array.isArray(p.mentionIdList) ? [...p.mentionIdList] : [],
      type: p.type,
    };
    if ('roomId' in p && p.roomId) record.roomId = p.roomId;
    else if ('listenerId' in p && p.listenerId) record.toId = p.listenerId;
    sent.push(record);
    for (const w of [...sentWaiters]) w(record);
  };
  events(bot).on('message', onBotMockMessage);

  const onWechatyMessage = (msg: { id: string }): void => {
    const done = deliveryWaiters.get(msg.id);
    if (done) {
      deliveryWaiters.delete(msg.id);
      done();
    }
  };
  const onWechatyError = (e: Error): void => {
    errors.push(e);
  };
  const friendshipWaiters = new Map<string, () => void>();
  const onWechatyFriendship = (f: { id: string }): void => {
    friendshipWaiters.get(f.id)?.();
    friendshipWaiters.delete(f.id);
  };
  const friendWaiters = new Set<(contactId: string) => void>();
  puppet.onBefriended = (contactId) => {
    for (const w of [...friendWaiters]) w(contactId);
  };
  wechaty.on('message', onWechatyMessage);
  wechaty.on('error', onWechatyError);
  wechaty.on('friendship', onWechatyFriendship);

  if (opts.beforeStart) await opts.beforeStart(wechaty);
  await wechaty.start();

  const once = <T>(event: 'login' | 'logout' | 'scan' | 'ready', what: string): Promise<T> => {
    let off = (): void => {};
    const p = new Promise<T>((resolve) => {
      const handler = (...args: unknown[]): void => resolve(args[0] as T);
      wechaty.once(event, handler as never);
      off = () => wechaty.off(event, handler as never);
    });
    return withTimeout(p, deliverTimeoutMs, what, off);
  };

  const login = async (): Promise<void> => {
    const loggedIn = once('login', 'wechaty login');
    mocker.login(bot);
    await loggedIn;
    const ready = once('ready', 'wechaty ready');
    puppet.emit('ready', { data: 'ready' }); // the mock never emits it itself
    await ready;
  };

  const logout = async (reason = 'logout'): Promise<void> => {
    const loggedOut = once('logout', 'wechaty logout');
    await puppet.logout(reason);
    await loggedOut;
  };

  const scan = async (qrcode: string, status: types.ScanStatus = types.ScanStatus.Waiting): Promise<void> => {
    const scanned = once('scan', 'wechaty scan');
    mocker.scan(qrcode, status);
    await scanned;
  };

  if (opts.login ?? true) await login();

  // emit `payload` as an incoming message and resolve once wechaty has emitted it
  const deliver = (payload: payloads.Message): Promise<string> => {
    const delivered = new Promise<void>((resolve) => deliveryWaiters.set(payload.id, resolve));
    mocker.MessageMock.create(payload); // also emits `message` on the room / talker / listener mocks
    puppet.emit('message', { messageId: payload.id });
    return withTimeout(delivered, deliverTimeoutMs, `delivery of message ${payload.id}`, () =>
      deliveryWaiters.delete(payload.id),
    ).then(() => payload.id);
  };

  const nextId = (): string => `mock-msg-${Date.now().toString(36)}-${++messageSeq}`;

  const say = (from: ContactMock, text: string, roomOrOpts?: RoomMock | SayOptions): Promise<string> => {
    const o: SayOptions = roomOrOpts instanceof mocker.RoomMock ? { room: roomOrOpts } : (roomOrOpts ?? {});
    const base = { id: nextId(), talkerId: from.id, timestamp: Date.now(), type: types.Message.Text, text };
    if (o.room) {
      return deliver({ ...base, roomId: o.room.id, mentionIdList: (o.mentions ?? []).map((c) => c.id) });
    }
    const refused = privateRefusal(from, o.to ?? bot);
    if (refused) return Promise.reject(refused);
    return deliver({ ...base, listenerId: (o.to ?? bot).id });
  };

  /** WeChat has no private chat between the bot and a stranger, in either direction */
  const privateRefusal = (from: ContactMock, to: ContactMock): Error | undefined => {
    const other = from.id === bot.id ? to : to.id === bot.id ? from : undefined;
    if (!other || puppet.isFriendId(other.id)) return undefined;
    return new Error(
      `${other.payload.name} (${other.id}) is not a friend of the bot: WeChat has no private chat ` +
        'between them (requestFriendship, and the bot accepting it, or befriend make one)',
    );
  };

  const sayNonText = (from: ContactMock, type: types.Message, o: NonTextOptions = {}): Promise<string> => {
    const id = nextId();
    const file = o.file ?? { name: 'image.png', data: Buffer.from(TINY_PNG_BASE64, 'base64') };
    const fileJson = { type: FILE_BOX_TYPE_BASE64, boxType: FILE_BOX_TYPE_BASE64, name: file.name };
    mocker.cacheFileBoxPayload.set(id, {
      ...fileJson,
      base64: file.data.toString('base64'),
    } as unknown as Parameters<mock.Mocker['cacheFileBoxPayload']['set']>[1]);
    const base = { id, talkerId: from.id, timestamp: Date.now(), type };
    if (o.room) return deliver({ ...base, roomId: o.room.id, mentionIdList: [] });
    const refused = privateRefusal(from, o.to ?? bot);
    if (refused) return Promise.reject(refused);
    return deliver({ ...base, listenerId: (o.to ?? bot).id });
  };

  const createResident = async (name: string, o: { id?: string } = {}): Promise<ContactMock> => {
    // a stranger until befriended (the mock's generated contacts are friends)
    const contact = mocker.createContact(o.id ? { name, id: o.id, friend: false } : { name, friend: false });
    // Contact.find({ id }) loads the payload into wechaty's cache (see the burst-ordering note at the top)
    if (!(await wechaty.Contact.find({ id: contact.id }))) throw new Error(`wechaty cannot see ${contact}`);
    return contact;
  };

  const createRoom = async (
    topic: string,
    members: ContactMock[],
    o: { id?: string } = {},
  ): Promise<RoomMock> => {
    if (o.id !== undefined && !o.id.includes('@')) {
      throw new Error(`room id must contain "@" (e.g. "xxx@chatroom"), got ${o.id}`);
    }
    const memberIdList = [bot.id, ...members.map((m) => m.id).filter((id) => id !== bot.id)];
    const room = mocker.createRoom(o.id ? { topic, memberIdList, id: o.id } : { topic, memberIdList });
    // Room.find({ id }) loads the room and its members into wechaty's cache
    if (!(await wechaty.Room.find({ id: room.id }))) throw new Error(`wechaty cannot see room ${room.id}`);
    return room;
  };

  const waitForSent = (predicate: (m: SentMessage) => boolean, timeoutMs = 2000): Promise<SentMessage> => {
    const already = sent.find(predicate);
    if (already) return Promise.resolve(already);
    let waiter: (m: SentMessage) => void = () => {};
    const p = new Promise<SentMessage>((resolve) => {
      waiter = (m) => {
        if (predicate(m)) {
          sentWaiters.delete(waiter);
          resolve(m);
        }
      };
      sentWaiters.add(waiter);
    });
    return withTimeout(p, timeoutMs, 'a matching sent message', () => sentWaiters.delete(waiter));
  };

  const requestFriendship = (from: ContactMock, hello = ''): Promise<string> => {
    const request = puppet.addFriendRequest(from.id, hello);
    const emitted = new Promise<void>((resolve) => friendshipWaiters.set(request.id, resolve));
    puppet.emit('friendship', { friendshipId: request.id });
    return withTimeout(emitted, deliverTimeoutMs, `friend request ${request.id}`, () =>
      friendshipWaiters.delete(request.id),
    ).then(() => request.id);
  };

  const befriend = async (contact: ContactMock): Promise<void> => {
    puppet.setFriend(contact.id, true);
    // what the bot's side learns when a friendship is made: its cached contact is reloaded
    const wContact = await wechaty.Contact.find({ id: contact.id });
    if (!wContact) throw new Error(`wechaty cannot see ${contact}`);
    await wContact.sync();
  };

  const unfriend = (contact: ContactMock): void => puppet.setFriend(contact.id, false);

  const isFriend = (contact: ContactMock): boolean => puppet.isFriendId(contact.id);

  const waitForFriend = (contact: ContactMock, timeoutMs = 2000): Promise<void> => {
    if (isFriend(contact)) return Promise.resolve();
    let waiter: (id: string) => void = () => {};
    const p = new Promise<void>((resolve) => {
      waiter = (id) => {
        if (id !== contact.id) return;
        friendWaiters.delete(waiter);
        resolve();
      };
      friendWaiters.add(waiter);
    });
    return withTimeout(p, timeoutMs, `${contact.payload.name} to become a friend`, () =>
      friendWaiters.delete(waiter),
    );
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await wechaty.stop();
    wechaty.off('message', onWechatyMessage);
    wechaty.off('error', onWechatyError);
    wechaty.off('friendship', onWechatyFriendship);
    events(bot).off('message', onBotMockMessage);
    sentWaiters.clear();
    deliveryWaiters.clear();
    friendshipWaiters.clear();
    friendWaiters.clear();
  };

  return {
    wechaty,
    mocker,
    puppet,
    bot,
    sent,
    errors,
    createResident,
    createRoom,
    say,
    sayNonText,
    waitForSent,
    scan,
    login,
    logout,
    stop,
    requestFriendship,
    befriend,
    unfriend,
    isFriend,
    waitForFriend,
  };
}
