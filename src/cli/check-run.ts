import { loadConfig } from '../config/load.js';
import { logger } from '../observability/logger.js';
import { registerSecretsFromEnv, scrub } from '../observability/redact.js';
import { findCheck, probeOnce } from '../../checks/check-runner.js';
import { formatPhases } from '../../checks/check-messages.js';
import type { CliCommand } from './commands.js';

/**
 * `alertworks check run <name>`: probes one configured check once, here and now, and prints the
 * result with its phases. Touches no state: no Redis, no notification.
 * Exit code: 0 success, 1 probe failed, 2 no such check.
 */
export const checkRunCommand: CliCommand = {
  name: 'check run',
  usage: 'check run <name> [--json]',
  summary: 'run one check once; print its result and phases',
  async run(ctx) {
    const name = ctx.args[0];
    const config = loadConfig(ctx.configPath, ctx.env);
    registerSecretsFromEnv(process.env);
    const found = name ? findCheck(config, name) : undefined;
    if (!found) {
      process.stderr.write(
        `alertworks: ${name ? `no check named "${name}"` : 'check run needs a check name'} (configured: ${config.checks.map((c) => c.name).join(', ') || 'none'})\n`,
      );
      return 2;
    }
    const result = await probeOnce(found.check, found.type, logger);
    if (ctx.json) {
      process.stdout.write(`${scrub(JSON.stringify({ check: found.check.name, type: found.check.type, ...result }))}\n`);
    } else {
      const lines = [
        `${found.check.name} (${found.check.type}): ${result.success ? 'OK' : `FAILED (${result.failureReason ?? 'other'})`}`,
        ...(result.statusCode !== undefined ? [`  status:   ${result.statusCode}`] : []),
        ...(result.error ? [`  error:    ${result.error}`] : []),
        `  duration: ${(result.durationSeconds * 1000).toFixed(1)}ms`,
        `  phases:   ${formatPhases(result.phases)}`,
      ];
      process.stdout.write(`${scrub(lines.join('\n'))}\n`);
    }
    return result.success ? 0 : 1;
  },
};
