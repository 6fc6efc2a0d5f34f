import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from './errors.js';
import { configFieldMarks, DEFAULT_CONFIG_PATH, loadConfig } from './config/load.js';
import { closest } from './config/suggest.js';
import { endLog, invalidLogLevel, logger } from './observability/logger.js';
import { run, StartupError, type Role, type RunningService } from './main.js';
import { cliCommands, type CliCommand } from './cli/commands.js';
import { cliRedisSource } from './cli/redis-source.js';
import { printUrls, reload, signalQueue } from './cli/lifecycle.js';
import { packageVersion } from './cli/version.js';
import { startTracing } from './observability/otel-sdk.js';
import { startMetricsExport } from './observability/otel-metrics.js';

const HELP = `alertworks — Alertmanager-driven automation for self-hosted Prometheus stacks

Usage:
  alertworks [serve|work|all] [--config FILE] [--insecure-no-auth]
      serve   HTTP receiver only (POST /hooks/alertmanager and /hooks/grafana, /healthz, /readyz, /metrics)
      work    workers and schedulers only (listens for /healthz, /readyz, /metrics)
      all     both (default)
${commandLines()}
  alertworks --help | --version

Web (same port as the receiver): /login (the webhook token, once per browser session), then
  /status (checks with uptime and response times, recent activity, transitions, certificates,
  volumes), /admin/queues (queue dashboard), /api/audit, /api/checks; scripts may send the token
  as a bearer header instead; unauthenticated: /healthz, /readyz, /metrics.

Signals: SIGTERM/SIGINT stop after active jobs finish; SIGHUP re-reads the config (an invalid
  file is refused with the reason and the running config is kept).
Redis for commands: REDIS_URL, else the one a running \`npm start\` recorded in .data/redis-url,
  else redis.url of the config; each command that reads Redis says which.

Config: --config FILE, else $ALERTWORKS_CONFIG, else ${DEFAULT_CONFIG_PATH}.
Environment (see README.md; Redis topologies: docs/scaling.md):
${environmentLines()}
`;

/** The config fields' own variables (their marks, so an action's appear with it), then the process-wide ones. */
function environmentLines(): string {
  const names = [
    ...configFieldMarks().flatMap((m) => (m.env ? [m.env] : [])),
    'LOG_LEVEL',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_METRICS_EXPORTER',
    'OTEL_SERVICE_NAME',
    'OTEL_SDK_DISABLED',
  ];
  const lines: string[] = [];
  for (const name of names) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + name.length + 2 <= 96) lines[lines.length - 1] = `${last}, ${name}`;
    else lines.push(name);
  }
  return lines.map((l) => `  ${l}`).join(',\n');
}

/** check-config and every registered command, one aligned line each. */
function commandLines(): string {
  const rows = [['check-config [FILE]', 'validate a config file; exit 0 (valid) or 1 (the problems)'], ...cliCommands.map((c) => [c.usage, c.summary])];
  const width = Math.max(...rows.map(([usage]) => (usage ?? '').length));
  return rows.map(([usage, summary]) => `  alertworks ${(usage ?? '').padEnd(width)}  ${summary}`).join('\n');
}

const ROLES = new Set<Role>(['serve', 'work', 'all']);

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'insecure-no-auth': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  version: { type: 'boolean', short: 'V' },
  // alertworks audit
  since: { type: 'string' },
  until: { type: 'string' },
  action: { type: 'string' },
  resource: { type: 'string' },
  kind: { type: 'string' },
  stream: { type: 'string' },
  limit: { type: 'string' },
} as const;

/** Options each kind of command understands; any other is an error, not silently ignored. */
const ROLE_OPTIONS = new Set(['config', 'insecure-no-auth']);
const COMMAND_OPTIONS = new Set(['config', 'json']);
const AUDIT_OPTIONS = new Set(['since', 'until', 'action', 'resource', 'kind', 'limit', 'stream']);

function usageError(message: string): number {
  process.stderr.write(`alertworks: ${message}\n(alertworks --help lists the commands and options)\n`);
  return 2;
}

/** Parses strictly: an unknown or misspelt option is an error with the closest valid one. */
function parseCli(argv: string[]): { values: { [K in keyof typeof OPTIONS]?: string | boolean }; positionals: string[]; given: string[] } | string {
  try {
    const { values, positionals, tokens } = parseArgs({ args: argv, allowPositionals: true, strict: true, tokens: true, options: OPTIONS });
    const given = tokens.flatMap((t) => (t.kind === 'option' ? [t.name] : []));
    return { values, positionals, given };
  } catch (err) {
    const text = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']*)'/.exec(text)?.[1];
    if (unknown) {
      const near = closest(unknown.replace(/^-+/, '').split('=')[0] ?? '', Object.keys(OPTIONS));
      return `unknown option ${unknown}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    return text.split('\n')[0] ?? text;
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (typeof parsed === 'string') return usageError(parsed);
  const { values, positionals, given } = parsed;
  if (values.version) {
    process.stdout.write(`alertworks ${packageVersion()}\n`);
    return 0;
  }
  const [command = 'all', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  // pino would throw a stack trace at the first log line; one line instead.
  const levelProblem = invalidLogLevel();
  if (levelProblem) {
    process.stderr.write(`alertworks: ${levelProblem}\n`);
    return 2;
  }
  const configPath = (values.config as string | undefined) ?? process.env.ALERTWORKS_CONFIG ?? DEFAULT_CONFIG_PATH;

  try {
    if (command === 'check-config') {
      const extra = given.find((o) => o !== 'config');
      if (extra || rest.length > 1) return usageError(extra ? `check-config does not take --${extra}` : `check-config takes one file, got ${rest.length}`);
      const file = rest[0] ?? configPath;
      const config = loadConfig(file);
      process.stdout.write(`${file}: OK (${config.routes.length} routes, ${config.checks.length} checks)\n`);
      return 0;
    }
    const sub = findCommand(command, rest);
    if (sub) {
      const extra = given.find((o) => !COMMAND_OPTIONS.has(o) && !(sub.command.name === 'audit' && AUDIT_OPTIONS.has(o)));
      if (extra) return usageError(`${sub.command.name} does not take --${extra}`);
      const redis = cliRedisSource(process.env);
      return await sub.command.run({
        args: sub.args,
        configPath,
        json: values.json === true,
        env: redis.env,
        redisFrom: redis.from,
        flags: stringFlags(values),
      });
    }

    if (!ROLES.has(command as Role)) {
      const near = closest(command, [...ROLES, 'check-config', ...cliCommands.map((c) => c.name.split(' ')[0] ?? '')]);
      return usageError(`unknown command "${command.slice(0, 64)}"${near ? ` (did you mean ${near}?)` : ''}`);
    }
    const extra = given.find((o) => !ROLE_OPTIONS.has(o));
    if (extra) return usageError(`${command} does not take --${extra}`);
    if (rest.length > 0) return usageError(`${command} takes no arguments, got "${rest.join(' ').slice(0, 64)}" (use --config FILE for a config)`);
    // Handlers first: SIGHUP's default action would kill the process while it starts.
    const signals = signalQueue();
    // Before anything creates a span; a no-op unless an OTLP endpoint is set (OTEL_SDK_DISABLED wins).
    const tracing = await startTracing(process.env, logger);
    // A no-op unless OTEL_METRICS_EXPORTER=otlp.
    const metricsExport = await startMetricsExport(process.env, logger);
    try {
      const role = command as Role;
      const insecureNoAuth = values['insecure-no-auth'] === true;
      const config = loadConfig(configPath);
      let service: RunningService = await run({ role, config, insecureNoAuth });
      printUrls(role, config.server.host, service.port);
      if (tracing.enabled) logger.info({ otel_service_name: process.env.OTEL_SERVICE_NAME || 'alertworks' }, 'tracing: exporting spans over OTLP/HTTP');
      for (;;) {
        const signal = await signals.next();
        if (signal !== 'SIGHUP') break;
        service = await reload(service, configPath, (next) => run({ role, config: next, insecureNoAuth }));
      }
      signals.close();
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

// Memory before speed: V8 grows its heap by at most 50% between full collections (its default
// lets it grow up to 4x while allocation is fast). A `work` process with 10,000 checks peaked at
// ~335 MiB with V8's default and ~200 MiB with this, for ~1.2x its CPU per probe (bench:probes,
// docs/benchmarks.md). `node --heap-growing-percent=0 bin/alertworks.js` (V8's default) or
// another value given to node wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=50');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // pino writes stdout asynchronously: exiting while a chunk is in flight, or waiting on a
    // full pipe, lost the last lines ("stopped"). Leave once they are written (nothing logs
    // after that), and leave anyway after 5 s if stdout stays blocked: the exit handler pino
    // registers then writes what is still queued.
    const exit = () => process.exit(code);
    setTimeout(exit, 5_000).unref();
    endLog(logger, exit);
  },
  (err) => {
    process.stderr.write(`alertworks: ${String(err)}\n`);
    process.exit(1);
  },
);
