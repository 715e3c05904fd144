import type { UnreachedHandler } from '../../kernel/outbox/reach.js';
import { categoriesFor } from './categories.js';
import { HANDLER_ROLES } from './lifecycle.js';
import { findComplaint } from './repository.js';
import { personName, roleHolderAddresses } from './repository-notices.js';
import { complaintTexts, type NoticeSubject } from './texts.js';

/**
 * A complaint notice that reached nobody (subject `complaint:<id>:reporter|handler`; reach.ts):
 * - the complaint's timeline gets an `unreachable` entry at its current level, saying whom (the
 *   reporter is never named: "报事人"; a handler is named, for their colleagues and admins), why
 *   (never started the bot, blocked it, not a WeChat friend) and which delivery;
 * - a handler's colleagues at the level (the other holders of a handling role) are told, each in
 *   their locale, so that someone acts on it. Their message has no subject: if it cannot reach them
 *   either, it is recorded on the delivery and goes no further.
 * The entry is not a change of the complaint (no status moves; notices skip it).
 */
export const complaintUnreached: UnreachedHandler = async (tx, d, send) => {
  const [, idText, audience] = d.subject.split(':');
  const c = await findComplaint(tx, Number(idText));
  if (!c || (audience !== 'reporter' && audience !== 'handler')) return;
  const code = /^permanent: ([a-z_]+):/.exec(d.reason)?.[1];
  const zh = complaintTexts('zh-CN');
  const name = audience === 'handler' && d.personId ? await personName(tx, d.personId) : null;
  const whom = audience === 'reporter' ? '报事人' : `处理人 ${name ?? ''}`.trim();
  await tx.query(
    `INSERT INTO linli.complaint_events (complaint_id, actor_label, type, from_status, to_status, level_org_id, note)
     VALUES ($1, 'linli', 'unreachable', $2, $2, $3, $4)`,
    [
      c.id,
      c.status,
      c.level_org_id,
      `未能通知${whom}：${zh.refusal(code)}（${d.channel}，投递 #${d.deliveryId}）`,
    ],
  );
  if (audience !== 'handler') return;

  const colleagues = (await roleHolderAddresses(tx, c.level_org_id, HANDLER_ROLES)).filter(
    (r) => r.person_id !== d.personId,
  );
  if (colleagues.length === 0) return;
  const category = (await categoriesFor(tx, c.org_id)).find((x) => x.code === c.category);
  await send(
    colleagues.map((r) => {
      const t = complaintTexts(r.locale);
      const subject: NoticeSubject = {
        number: c.number,
        category: category ? (r.locale === 'en' ? category.en : category.zh) : c.category,
        building: c.building,
        description: c.description,
        level: c.level,
        status: c.status,
      };
      return {
        channel: r.channel,
        message: {
          chat: { externalId: r.external_id, kind: 'private' as const },
          text: t.handlerUnreachable(subject, name ?? '?', t.refusal(code)),
          locale: r.locale,
        },
        idempotencyKey: `complaint-${c.id}-unreached-${d.deliveryId}-${r.person_id}`,
        urgent: true,
        orgId: c.org_id,
        personId: r.person_id,
      };
    }),
  );
};
