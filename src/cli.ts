import { parseArgs } from 'node:util';
import { ConfigError } from './errors.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from './config/load.js';
import { logger } from './observability/logger.js';
import { run, StartupError, type Role } from './main.js';
import { cliCommands, type CliCommand } from './cli/commands.js';
import { startTracing } from './observability/otel-sdk.js';
import { startMetricsExport } from './observability/otel-metrics.js';

const HELP = `alertworks — Alertmanager-driven automation for self-hosted Prometheus stacks

Usage:
  alertworks [serve|work|all] [--config FILE] [--insecure-no-auth]
      serve   HTTP receiver only (POST /hooks/alertmanager, /healthz, /readyz, /metrics)
      work    workers and schedulers only (listens for /healthz, /readyz, /metrics)
      all     both (default)
${commandLines()}
  alertworks --help

Web (same port as the receiver, behind the same auth): /status (checks with uptime and
  response times, recent activity, transitions, certificates, volumes), /admin/queues (queue
  dashboard), /api/audit, /api/checks; unauthenticated: /healthz, /readyz, /metrics.

Config: --config FILE, else $ALERTWORKS_CONFIG, else ${DEFAULT_CONFIG_PATH}.
Environment: REDIS_URL, WEBHOOK_TOKEN, PORT, HOST, SLACK_BOT_TOKEN, SLACK_API_URL, SLACK_CHANNEL,
  HCLOUD_TOKEN, HCLOUD_ENDPOINT, GITHUB_TOKEN, GITHUB_API_URL, PUSHGATEWAY_URL, DRY_RUN, LOG_LEVEL,
  GRAFANA_URL, GRAFANA_TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_METRICS_EXPORTER, OTEL_SERVICE_NAME,
  OTEL_SDK_DISABLED (see README.md).
`;

/** check-config and every registered command, one aligned line each. */
function commandLines(): string {
  const rows = [['check-config [FILE]', 'validate a config file; exit 0 (valid) or 1 (the problems)'], ...cliCommands.map((c) => [c.usage, c.summary])];
  const width = Math.max(...rows.map(([usage]) => (usage ?? '').length));
  return rows.map(([usage, summary]) => `  alertworks ${(usage ?? '').padEnd(width)}  ${summary}`).join('\n');
}

const ROLES = new Set<Role>(['serve', 'work', 'all']);

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      config: { type: 'string', short: 'c' },
      'insecure-no-auth': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      // alertworks audit
      since: { type: 'string' },
      until: { type: 'string' },
      action: { type: 'string' },
      resource: { type: 'string' },
      kind: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command = 'all', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const configPath = (values.config as string | undefined) ?? process.env.ALERTWORKS_CONFIG ?? DEFAULT_CONFIG_PATH;

  try {
    if (command === 'check-config') {
      const file = rest[0] ?? configPath;
      const config = loadConfig(file);
      process.stdout.write(`${file}: OK (${config.routes.length} routes, ${config.checks.length} checks)\n`);
      return 0;
    }
    const sub = findCommand(command, rest);
    if (sub) return await sub.command.run({ args: sub.args, configPath, json: values.json === true, flags: stringFlags(values) });

    if (!ROLES.has(command as Role)) {
      process.stderr.write(`alertworks: unknown command "${command}"\n\n${HELP}`);
      return 2;
    }
    // Before anything creates a span; a no-op unless an OTLP endpoint is set (OTEL_SDK_DISABLED wins).
    const tracing = await startTracing(process.env, logger);
    // A no-op unless OTEL_METRICS_EXPORTER=otlp.
    const metricsExport = await startMetricsExport(process.env, logger);
    try {
      const config = loadConfig(configPath);
      const service = await run({ role: command as Role, config, insecureNoAuth: values['insecure-no-auth'] === true });
      if (tracing.enabled) logger.info({ otel_service_name: process.env.OTEL_SERVICE_NAME || 'alertworks' }, 'tracing: exporting spans over OTLP/HTTP');
      await waitForSignal();
      await service.stop();
      return 0;
    } finally {
      // Flush the spans and metrics of the last jobs (bounded) before the process leaves.
      await Promise.all([tracing.shutdown(), metricsExport.shutdown()]);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`alertworks: ${err.message}\n`);
      return 1;
    }
    logger.fatal({ err }, 'alertworks failed');
    return 1;
  }
}

function stringFlags(values: Record<string, string | boolean | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function findCommand(command: string, rest: string[]): { command: CliCommand; args: string[] } | undefined {
  for (const c of cliCommands) {
    const words = c.name.split(' ');
    const given = [command, ...rest];
    if (words.every((w, i) => given[i] === w)) return { command: c, args: given.slice(words.length) };
  }
  return undefined;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Give pino a tick to flush, then leave even if a library keeps a handle open.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    process.stderr.write(`alertworks: ${String(err)}\n`);
    process.exit(1);
  },
);
