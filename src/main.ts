import { ConfigError, loadConfig } from './app/config.js';
import { createLogger } from './app/logger.js';
import { startLinli } from './app/runtime.js';

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
  const logger = createLogger(config.logLevel);
  const linli = await startLinli(config, logger);

  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const lines = [
    `Linli 邻里 is running (role ${config.role}, database ${linli.db.engine}, queues ${linli.queues.kind})`,
  ];
  if (config.role === 'all' || config.role === 'api') {
    lines.push(`  Admin API: ${base}/api/v1`, `  API docs:  ${base}/docs`);
    lines.push(
      config.adminToken
        ? '  Admin token: the ADMIN_TOKEN you set'
        : linli.adminTokenFile
          ? `  Admin token: cat ${linli.adminTokenFile}`
          : '  Admin token: set ADMIN_TOKEN (no generated token file found)',
    );
  }
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
