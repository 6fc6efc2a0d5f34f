import { queuesCommand } from './queues-command.js';
import { checkRunCommand } from './check-run.js';
import { volumePlanCommand } from './volume-plan.js';
import { auditCommand } from './audit-command.js';
import { statusCommand } from './status-command.js';

export interface CliContext {
  args: string[];
  configPath: string;
  json: boolean;
  /** The environment to load the config with (REDIS_URL filled in from .data/redis-url when set by npm start). */
  env: NodeJS.ProcessEnv;
  /** Where the Redis URL came from, for the "reading Redis at ..." line. */
  redisFrom: string;
  /** String options given on the command line (--since 1h, ...). */
  flags?: Readonly<Record<string, string | undefined>>;
}

/** A CLI sub-command beyond the roles and check-config; one file each, listed here. */
export interface CliCommand {
  /** Words that select it, e.g. "check run". */
  name: string;
  usage: string;
  summary: string;
  run(ctx: CliContext): Promise<number>;
}

export const cliCommands: CliCommand[] = [checkRunCommand, volumePlanCommand, queuesCommand, auditCommand, statusCommand];
