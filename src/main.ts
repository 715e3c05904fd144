import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig } from './app/config.js';
import { createLogger, logDestination } from './app/logger.js';
import { startLinli } from './app/runtime.js';
import { CONSOLE_DIST } from './http/console-static.js';

/**
 * Entry point and the only reader of the environment. `LINLI_ROLE` (or `--role=api|worker`)
 * picks what this process runs; SIGTERM/SIGINT close HTTP, then workers, then connections,
 * and the process exits within 10 s whatever hangs.
 */
const SHUTDOWN_GRACE_MS = 10_000;

async function main() {
  const roleFlag = process.argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(roleFlag ? { ...process.env, LINLI_ROLE: roleFlag } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  const linli = await startLinli(config, logger);

  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const lines = [
    `Linli 邻里 is running (role ${config.role}, database ${linli.db.engine}, queues ${linli.queues.kind})`,
  ];
  if (config.role === 'all' || config.role === 'api') {
    lines.push(
      `  Admin API: ${base}/api/v1`,
      `  API docs:  ${base}/docs`,
      existsSync(join(CONSOLE_DIST, 'index.html'))
        ? `  Console:   ${base}/console (sign in with the admin token)`
        : `  Console:   ${base}/console is not built: run npm run prepare, then restart`,
    );
    lines.push(
      config.adminToken
        ? '  Admin token: the ADMIN_TOKEN you set'
        : linli.adminTokenFile
          ? `  Admin token: cat ${linli.adminTokenFile}`
          : '  Admin token: set ADMIN_TOKEN (no generated token file found)',
    );
  }
  lines.push(...channelLines(config, base));
  lines.push(
    `  Health:    ${base}/readyz · Prometheus ${base}/metrics${config.metricsToken ? ' (Bearer METRICS_TOKEN)' : ''}`,
  );
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s: exiting anyway');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    linli.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Linli failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

/** The banner's word on each chat channel: connected how, or how to connect it. */
function channelLines(config: Config, base: string): string[] {
  const t = config.telegram;
  const telegram = !t.botToken
    ? 'not connected: set TELEGRAM_BOT_TOKEN (from @BotFather)'
    : t.webhookSecret && config.publicUrl
      ? `webhook at ${config.publicUrl}/telegram/webhook`
      : 'long polling (PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET make it a webhook)';
  const wechat = !config.wechaty.puppet
    ? 'not connected: set WECHATY_PUPPET (see the README, WeChat through a puppet service)'
    : config.role === 'all' || config.role === 'wechat'
      ? `puppet ${config.wechaty.puppet}: scan the login QR at ${base}/api/v1/channels/wechat/qr.png (superuser)`
      : `puppet ${config.wechaty.puppet}, held by the process of role wechat`;
  return [
    `  Telegram:  ${telegram}`,
    `  WeChat:    ${wechat}`,
    '  WeCom:     group robots per org: POST /api/v1/orgs/:id/chats with channel wecom_robot',
  ];
}
