/** The public shapes of the fake Official Account: its options, what it records, what it answers. */

export interface FakeOfficialAccountOptions {
  appId: string;
  appSecret: string;
  /** the server-configuration Token the signatures are made with */
  token: string;
  /** the 43-character EncodingAESKey: pushes go in safe mode (安全模式) when set, plain otherwise */
  aesKey?: string;
  /** the product's server URL (服务器地址) pushes go to; settable later with setWebhookUrl */
  webhookUrl?: string;
  /** the account's original id, the pushes' ToUserName (default gh_fake0000001) */
  originalId?: string;
  /** access_token lifetime, seconds (default 7200) */
  tokenTtlSec?: number;
  /** how long the previous access_token stays valid once a new one is issued (default 300_000) */
  oldTokenGraceMs?: number;
  /** the customer-service window after a user's last interaction (default 48 h) */
  windowMs?: number;
  /** customer-service messages accepted per user interaction (default 20) */
  maxRepliesPerInteraction?: number;
  /** how long WeChat waits for each push's answer (default 5000) */
  replyTimeoutMs?: number;
  /** pause between a failed push try and the next (default 0: the timeout itself is the wait) */
  retryDelayMs?: number;
  /** the clock for token expiry and the window (default Date.now); advance() adds to it */
  now?: () => number;
}

/** something WeChat delivered to a user: a customer-service message, a subscribe message, or a passive reply */
export interface OaMessage {
  openid: string;
  /** 'text' | 'image' for customer-service messages and passive replies; 'subscribe' for bizsend */
  msgtype: string;
  text?: string;
  mediaId?: string;
  /** an image's bytes, when its media_id is known to the fake */
  image?: Buffer;
  /** bizsend only */
  templateId?: string;
  data?: Record<string, { value: string }>;
  page?: string;
  /** a passive reply (the answer to a push) rather than an API call */
  passive?: boolean;
  at: Date;
}

/** how a push to the product ended */
export interface PushOutcome {
  /** the last try's HTTP status; 0 when it timed out or could not connect */
  status: number;
  /** the last try's body */
  body: string;
  /** how many tries it took (at most 3) */
  tries: number;
  /** the passive reply the product answered with, decrypted */
  passiveReply?: { msgType: string; content?: string; mediaId?: string };
  /** why WeChat would have refused the answer (bad signature, wrong appId, unreadable XML…) */
  error?: string;
}

/** a fault to answer instead of the real thing: status ≠ 200 → empty body; else 200 with errcode */
export interface FaultAnswer {
  status?: number;
  errcode?: number;
  errmsg?: string;
}

/** one API call and its answer; errcode is absent for a non-JSON answer (a fault's status, media bytes) */
export interface ApiCall {
  path: string;
  status: number;
  errcode?: number;
}

export interface FakeOfficialAccount {
  /** base URL of the API, e.g. http://127.0.0.1:PORT (then /cgi-bin/token…) */
  apiRoot: string;
  setWebhookUrl(url: string): void;

  /** the users' side: each resolves with how WeChat's push to the product went */
  follow(openid: string, scene?: string): Promise<PushOutcome>;
  unfollow(openid: string): Promise<PushOutcome>;
  scan(openid: string, scene: string): Promise<PushOutcome>;
  say(openid: string, text: string): Promise<PushOutcome>;
  sendImage(openid: string, bytes: Buffer): Promise<PushOutcome>;
  sendLocation(openid: string, lat: number, lng: number, label: string): Promise<PushOutcome>;
  click(openid: string, key: string): Promise<PushOutcome>;
  view(openid: string, url: string): Promise<PushOutcome>;
  /** WeChat's URL check when the server URL is saved: GET with echostr */
  verifyServerUrl(): Promise<{ status: number; body: string; ok: boolean }>;
  /** a one-time subscribe-message grant (the user tapped 允许 once) */
  grantSubscription(openid: string, templateId: string): void;

  /** the next `times` calls of `path` (e.g. '/cgi-bin/message/custom/send') answer so */
  failNext(path: string, answer: FaultAnswer, times?: number): void;
  /** the next `times` calls of `path` answer 45009 (api freq out of limit) */
  rateLimit(path: string, times?: number): void;
  /** every issued access_token answers 42001 from now on */
  expireTokens(): void;
  /** moves the fake's clock forward */
  advance(ms: number): void;

  /** everything accepted for users, in order */
  readonly messages: OaMessage[];
  messagesTo(openid: string): OaMessage[];
  waitForMessage(predicate: (m: OaMessage) => boolean, timeoutMs?: number): Promise<OaMessage>;
  /** requests to /cgi-bin/token, refused ones included */
  readonly tokenFetches: number;
  /** every API call, in order */
  readonly calls: ApiCall[];
  /** the scene a QR code made by qrcode/create carries (what scanning its ticket's image pushes) */
  sceneOfTicket(ticket: string): string | undefined;
  /** the last menu accepted by menu/create */
  readonly menu: { button: unknown[] } | undefined;
  /** pushes' answers WeChat would have refused, in order */
  readonly errors: string[];
  close(): Promise<void>;
}
