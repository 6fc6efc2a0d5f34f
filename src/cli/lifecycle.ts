import { ConfigError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import type { AppConfig } from '../config/schema.js';
import { logger } from '../observability/logger.js';
import type { Role, RunningService } from '../main.js';

/** SIGTERM, SIGINT and SIGHUP as they arrive, one at a time (none lost while a reload runs). */
export function signalQueue(): { next(): Promise<NodeJS.Signals>; close(): void } {
  const pending: NodeJS.Signals[] = [];
  let waiting: ((s: NodeJS.Signals) => void) | undefined;
  let ctrlC = false;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    if (signal === 'SIGINT') ctrlC = true;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(signal);
    } else pending.push(signal);
  };
  const names: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const n of names) process.on(n, onSignal);
  return {
    next: () => {
      const first = pending.shift();
      return first ? Promise.resolve(first) : new Promise((resolve) => (waiting = resolve));
    },
    // Shutting down. A Ctrl-C under `npm start` reaches this process twice (SIGINT from the
    // terminal, SIGTERM from scripts/start.sh), in either order, so further SIGTERMs (and
    // SIGHUPs) are only logged: active jobs still finish. A second Ctrl-C (a SIGINT after a
    // SIGINT) means "stop now".
    //
    // The new listeners are added before the old ones are removed. A signal whose last listener
    // is removed goes back to its default action (terminate) until one is added again, and the
    // SIGTERM from start.sh arrives within a millisecond of the SIGINT that led here: in that
    // gap it killed the process without a word (no "shutting down", no "stopped").
    close: () => {
      const later = (signal: NodeJS.Signals) => {
        const again = signal === 'SIGINT' && ctrlC;
        if (signal === 'SIGINT') ctrlC = true;
        if (!again) return logger.info({ signal }, 'already stopping: letting active jobs finish (Ctrl-C again to stop now)');
        logger.warn({ signal }, 'second Ctrl-C: stopping now; unfinished jobs will be retried');
        process.exit(130);
      };
      for (const n of names) process.on(n, later);
      for (const n of names) process.off(n, onSignal);
    },
  };
}

/**
 * SIGHUP: the config file is read and validated first; an invalid one is refused with the
 * reason and the running service is untouched. A valid one replaces the running service:
 * active jobs finish (as on SIGTERM), then the receiver and workers start with the new config
 * (webhooks in that gap are refused at the socket, and Alertmanager retries them).
 */
export async function reload(current: RunningService, configPath: string, start: (config: AppConfig) => Promise<RunningService>): Promise<RunningService> {
  let next;
  try {
    next = loadConfig(configPath);
  } catch (err) {
    const reason = err instanceof ConfigError ? err.message : String(err);
    logger.error({ config: configPath, reason }, 'config reload refused: the file is invalid, the running config stays');
    return current;
  }
  logger.info({ config: configPath }, 'config reload: the file is valid; restarting the receiver and workers with it');
  await current.stop();
  const service = await start(next);
  logger.info({ config: configPath, routes: next.routes.length, checks: next.checks.length }, 'config reloaded');
  return service;
}

/** Where to point a browser and Alertmanager, on stderr (stdout is the JSON log). */
export function printUrls(role: Role, host: string, port: number | undefined): void {
  if (role === 'work' || port === undefined) return;
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const base = `http://${shown}:${port}`;
  process.stderr.write(
    [
      `alertworks: status page  ${base}/status  (log in at ${base}/login with the webhook token)`,
      `alertworks: queues       ${base}/admin/queues`,
      `alertworks: webhook      POST ${base}/hooks/alertmanager  (Authorization: Bearer <WEBHOOK_TOKEN>)`,
      '',
    ].join('\n'),
  );
}
