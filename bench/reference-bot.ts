// The reference for bench/conversation.ts: the same complaint conversation as Linli's built-in flow
// (src/modules/complaints/flows/complaint-flow.ts), written as a bare grammY bot would be —
// @grammyjs/conversations with its state in PostgreSQL through @grammyjs/storage-psql, replies sent
// from inside the webhook handler (grammY's webhookCallback on node:http), the complaint written to
// its own table on confirm, @grammyjs/auto-retry for 429s (a bare bot has no pacing of its own).
//
// The same questions, buttons and number of steps as Linli: `/complaint` in a group is answered there
// with a deep link into the private chat (`/start complaint`), which asks: category (buttons),
// description (text, 5–500 characters), location (text, may be skipped), photo (may be skipped),
// anonymous (是/否), confirm (是/否); then "已受理！您的报事编号是 …" privately and a public notice
// in the resident's group, as Linli sends. Run as a child process of bench/conversation.ts.
import { createServer, type Server } from 'node:http';
import { autoRetry } from '@grammyjs/auto-retry';
import {
  type Conversation,
  type ConversationData,
  type ConversationFlavor,
  conversations,
  createConversation,
  type VersionedStateStorage,
} from '@grammyjs/conversations';
import { PsqlAdapter } from '@grammyjs/storage-psql';
import { Bot, type Context, InlineKeyboard, webhookCallback } from 'grammy';
import pg from 'pg';
import { DEFAULT_CATEGORIES } from '../src/modules/complaints/categories.js';
import { type Background, type ServerStart, serveOverIpc } from './conversation-server.js';
import { countStatements, freePort } from './support.js';

type Ctx = ConversationFlavor<Context>;
type Convo = Conversation<Ctx, Context>;

const statements = await countStatements();
let pool: pg.Pool | null = null;
let server: Server | null = null;
let bot: Bot<Ctx> | null = null;
let backgroundTimer: NodeJS.Timeout | undefined;
let noticeSeq = 0;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ref_residents (user_id bigint PRIMARY KEY, group_id bigint NOT NULL);
  CREATE SEQUENCE IF NOT EXISTS ref_complaint_seq;
  CREATE TABLE IF NOT EXISTS ref_complaints (
    id bigserial PRIMARY KEY,
    number text NOT NULL UNIQUE,
    user_id bigint NOT NULL,
    group_id bigint,
    category text NOT NULL,
    description text NOT NULL,
    location text,
    photo text,
    anonymous boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );`;

const yesNo = (prefix: string) => new InlineKeyboard().text('是', `${prefix}:yes`).text('否', `${prefix}:no`);

/** The conversation, in the private chat. Each `wait` is one update of the resident. */
async function complaint(conversation: Convo, ctx: Context): Promise<void> {
  const categories = new InlineKeyboard();
  DEFAULT_CATEGORIES.forEach((c, i) => {
    categories.text(c.zh, `cat:${c.code}`);
    if (i % 2 === 1) categories.row();
  });
  await ctx.reply('您好，您要反映哪一类问题？', { reply_markup: categories });
  const picked = await conversation.waitForCallbackQuery(/^cat:/, {
    otherwise: (c) => c.reply('请再试一次。'),
  });
  await picked.answerCallbackQuery();
  const code = picked.callbackQuery.data.slice(4);
  const category = DEFAULT_CATEGORIES.find((c) => c.code === code)?.zh ?? code;

  await ctx.reply('请简单说一下是什么问题（5 到 500 个字）：');
  let description = '';
  for (;;) {
    const t = await conversation.waitFor('message:text', { otherwise: (c) => c.reply('请再说一遍。') });
    description = t.message.text.trim();
    if (description.length >= 5 && description.length <= 500) break;
    await t.reply('请再说一遍。');
  }

  await ctx.reply('问题在哪儿？请按「几栋几单元几室」回复，例如：3栋2单元501。公共区域可以跳过。');
  const where = await conversation.waitFor('message:text', { otherwise: (c) => c.reply('请再试一次。') });
  const location = where.message.text.trim() === '跳过' ? null : where.message.text.trim();

  await ctx.reply('方便的话发一张现场照片。');
  const shot = await conversation.waitFor(['message:photo', 'message:text'], {
    otherwise: (c) => c.reply('请再试一次。'),
  });
  const photo = shot.message?.photo?.at(-1)?.file_id ?? null;

  await ctx.reply('要匿名吗？选「是」的话，群里和小区的处理人员都看不到您的名字。', {
    reply_markup: yesNo('anon'),
  });
  const anon = await conversation.waitForCallbackQuery(/^anon:/, {
    otherwise: (c) => c.reply('请再试一次。'),
  });
  await anon.answerCallbackQuery();
  const anonymous = anon.callbackQuery.data === 'anon:yes';

  await ctx.reply(
    `请确认：\n类别：${category}\n问题：${description}\n位置：${location ?? '公共区域'}\n确认提交吗？`,
    { reply_markup: yesNo('ok') },
  );
  const ok = await conversation.waitForCallbackQuery(/^ok:/, { otherwise: (c) => c.reply('请再试一次。') });
  await ok.answerCallbackQuery();
  if (ok.callbackQuery.data !== 'ok:yes') {
    await ctx.reply('好的，这次先不提交。需要时再找我。');
    return;
  }
  const userId = ctx.from!.id;
  const filed = await conversation.external(async () => {
    const { rows } = await pool!.query<{ number: string; group_id: string | null }>(
      `INSERT INTO ref_complaints (number, user_id, group_id, category, description, location, photo, anonymous)
       SELECT to_char(now(), 'YYYYMMDD') || '-' || lpad(nextval('ref_complaint_seq')::text, 4, '0'),
              $1, (SELECT group_id FROM ref_residents WHERE user_id = $1), $2, $3, $4, $5, $6
       RETURNING number, group_id::text`,
      [userId, code, description, location, photo, anonymous],
    );
    return rows[0]!;
  });
  await ctx.reply(`已受理！您的报事编号是 ${filed.number}。处理进展会及时通知您。`);
  // the public progress notice in the resident's group, as Linli's notifier sends one
  if (filed.group_id !== null)
    await ctx.api.sendMessage(
      Number(filed.group_id),
      `【报事进展】${category}：有居民反映了问题（编号 ${filed.number}），已转给处理人员。`,
    );
}

serveOverIpc({
  async start(o: ServerStart) {
    if (!o.databaseUrl) throw new Error('the reference bot needs PostgreSQL (databaseUrl)');
    pool = new pg.Pool({ connectionString: o.databaseUrl, max: 20 });
    await pool.query(SCHEMA);
    // storage-psql types its client as pg.Client; a Pool has the same query(), and does not
    // serialise every session read and write behind one connection
    const adapter = await PsqlAdapter.create({ tableName: 'sessions', client: pool as unknown as pg.Client });

    // --reference-webhook-reply: the first sendMessage of an update goes back as the webhook's
    // answer (Telegram performs it; the bot learns nothing of it)
    const webhookReply = o.webhookReply === true;
    const b = new Bot<Ctx>(o.token, {
      client: {
        apiRoot: o.apiRoot,
        ...(webhookReply ? { canUseWebhookReply: (m) => m === 'sendMessage' } : {}),
      },
    });
    b.api.config.use(autoRetry());
    await b.init();
    b.use(
      conversations({
        storage: {
          type: 'key',
          version: 1,
          // storage-psql's adapter stores any JSON value; the plugin's versioned state is one
          adapter: adapter as unknown as VersionedStateStorage<string, ConversationData>,
        },
      }),
    );
    b.use(createConversation(complaint, 'complaint'));
    const groups = b.chatType(['group', 'supergroup']);
    groups.command('complaint', async (ctx) => {
      await pool!.query(
        `INSERT INTO ref_residents (user_id, group_id) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET group_id = EXCLUDED.group_id`,
        [ctx.from!.id, ctx.chat.id],
      );
      await ctx.reply('为保护您的隐私，报事请私聊我：点下面的按钮继续（可以匿名）。', {
        reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true },
        reply_markup: new InlineKeyboard().url(
          '私聊报事',
          `https://t.me/${b.botInfo.username}?start=complaint`,
        ),
      });
    });
    b.chatType('private').command('start', async (ctx) => {
      if (ctx.match === 'complaint') await ctx.conversation.enter('complaint');
      else await ctx.reply('您好！');
    });
    bot = b;

    const handle = webhookCallback(b, 'http', {
      secretToken: o.secret,
      // auto-retry may wait out a 429 inside the handler (Telegram's 20/min per group is a minute)
      onTimeout: 'return',
      timeoutMilliseconds: 120_000,
    });
    const port = await freePort();
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/telegram/webhook')
        // an error in a handler (a 429 auto-retry gave up on) is a 500, as grammY's adapters answer
        return void handle(req, res).catch((err: unknown) => {
          console.error('reference bot:', String(err));
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      res.writeHead(404).end();
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${port}`;
    return {
      webhookUrl: `${base}/telegram/webhook`,
      base,
      description: `grammY reference on postgres (conversations + storage-psql, replies in the webhook${webhookReply ? "'s answer" : ''})`,
    };
  },
  statements,
  background(bg: Background) {
    clearInterval(backgroundTimer);
    backgroundTimer = undefined;
    if (!bg || !bot) return;
    // the same notices as Linli's background stream, sent as a bare bot would: at once, through
    // auto-retry (no queue, no pacing)
    const api = bot.api;
    let carry = 0;
    backgroundTimer = setInterval(() => {
      carry += bg.rate / 10;
      while (carry >= 1) {
        carry--;
        const n = ++noticeSeq;
        const group = bg.groups[n % bg.groups.length]!;
        api
          .sendMessage(group, `【通知 ${n}】明天 9:00–12:00 2 栋停水，请提前储水。`)
          .catch((err: unknown) => console.error('background notice:', String(err)));
      }
    }, 100);
  },
  async stop() {
    clearInterval(backgroundTimer);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server?.closeAllConnections();
    await pool?.end();
  },
});
