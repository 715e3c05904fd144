import type { FastifyInstance } from 'fastify';
import { body as errorBody } from '../../http/error-handler.js';
import { failureLimiterOf, refuseIfLimited } from '../../http/failure-limiter.js';
import { decrypt, sameSignature, signature } from './crypto.js';
import { parseFlatXml } from './xml.js';

export const OA_WEBHOOK_PATH = '/wechat-oa/webhook';

/** What became of a pushed message (see the Telegram webhook's `Delivery`). */
export type OaDelivery = 'done' | 'retry' | 'not_running';

export interface OaWebhookOptions {
  token: string;
  appId: string;
  /** the AES key of the EncodingAESKey (safe mode); absent: plain mode only */
  aesKey: Buffer | undefined;
  /** Hands the message's fields over and resolves once it is handled; must not reject. */
  deliver: (fields: Record<string, string>) => Promise<OaDelivery>;
  logger: { warn(o: object, msg: string): void; error(o: object, msg: string): void };
}

/**
 * The Official Account's server URL, `GET` and `POST /wechat-oa/webhook`, in its own scope (its own
 * body parsing: WeChat posts `text/xml`).
 *
 * Contract:
 * - `GET` (the 公众平台's check when the URL is saved): `signature` must be
 *   sha1(sort(token, timestamp, nonce)); then the `echostr` is answered as it came, as text;
 * - `POST`: the same `signature` (a wrong one: 401 and a count against the client's
 *   failed-authentication limit shared with the admin API; 429 past it); with `encrypt_type=aes`
 *   the body's `Encrypt` must carry a valid `msg_signature` and decrypt for our AppID (otherwise
 *   401), in plain mode the XML is read as it is; an XML that cannot be read is logged and
 *   answered `success` (WeChat would push it again, to no end);
 * - the message is handled before the answer: `success` (WeChat pushes nothing again) once its
 *   turn committed or it was kept as a dead letter; the reply goes out as a customer-service
 *   message right after COMMIT (the outbox), never as a passive reply in this body, so a reply is
 *   durable and retried like every other;
 * - a turn that failed for a reason that may pass, or a process not running the channel: 503, so
 *   WeChat tries again (it tries three times in all, each cut off after 5 s; a try cut off while
 *   its turn still runs is deduplicated by its MsgId when it comes again).
 */
export async function registerOaWebhook(app: FastifyInstance, o: OaWebhookOptions): Promise<void> {
  const failures = failureLimiterOf(app);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, raw, done) =>
      done(null, raw),
    );

    scope.addHook('onRequest', async (req, reply) => {
      if (refuseIfLimited(failures, req, reply) !== null)
        return reply
          .code(429)
          .send(errorBody('rate_limited', 'Too many failed authentication attempts; try again later'));
      const q = req.query as Record<string, string | undefined>;
      const expected = signature([o.token, q.timestamp ?? '', q.nonce ?? '']);
      if (q.timestamp && q.nonce && sameSignature(q.signature, expected)) return;
      failures.fail(req.ip);
      o.logger.warn({ reqId: req.id }, 'wechat_oa: server URL called with a missing or wrong signature');
      return reply.code(401).send(errorBody('unauthorized', 'Missing or wrong signature'));
    });

    scope.get(OA_WEBHOOK_PATH, { logLevel: 'warn' }, async (req, reply) => {
      const echo = (req.query as Record<string, string | undefined>).echostr ?? '';
      return reply.type('text/plain; charset=utf-8').send(echo);
    });

    scope.post(OA_WEBHOOK_PATH, { logLevel: 'warn' }, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const raw = typeof req.body === 'string' ? req.body : '';
      let fields = parseFlatXml(raw);
      if (fields && q.encrypt_type === 'aes') {
        const encrypted = fields.Encrypt;
        const opened =
          o.aesKey &&
          encrypted &&
          sameSignature(q.msg_signature, signature([o.token, q.timestamp ?? '', q.nonce ?? '', encrypted]))
            ? tryDecrypt(o.aesKey, o.appId, encrypted)
            : null;
        if (opened === null) {
          failures.fail(req.ip);
          o.logger.warn(
            { reqId: req.id },
            'wechat_oa: an encrypted push that does not open with our key and AppID',
          );
          return reply
            .code(401)
            .send(errorBody('unauthorized', 'Wrong msg_signature or not encrypted for this account'));
        }
        fields = parseFlatXml(opened);
      }
      if (!fields?.FromUserName || !fields.MsgType) {
        o.logger.warn({ reqId: req.id }, 'wechat_oa: an unreadable push acknowledged and dropped');
        return reply.type('text/plain').send('success');
      }
      let outcome: OaDelivery;
      try {
        outcome = await o.deliver(fields);
      } catch (err) {
        o.logger.error({ err }, 'wechat_oa: delivery failed');
        outcome = 'retry';
      }
      if (outcome === 'done') return reply.type('text/plain').send('success');
      return reply
        .code(503)
        .header('retry-after', '2')
        .send(
          errorBody(
            'unavailable',
            outcome === 'not_running' ? 'Not running' : 'Not handled now; push it again',
          ),
        );
    });
  });
}

function tryDecrypt(key: Buffer, appId: string, encrypted: string): string | null {
  try {
    return decrypt(key, appId, encrypted);
  } catch {
    return null;
  }
}
