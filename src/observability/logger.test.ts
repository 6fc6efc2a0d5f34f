import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withLogContext } from './context.js';
import { createLogger, invalidLogLevel } from './logger.js';

function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

/** Top-level keys of a JSON object line, in order, duplicates kept (JSON.parse would hide them). */
function keysOf(line: string): string[] {
  return [...line.matchAll(/[{,]"([a-z_]+)":/g)].map((m) => m[1] ?? '');
}

describe('logger', () => {
  it('writes each key once when a child logger binds a field the job context also carries', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination }).child({ action: 'volume-resize', request_id: 'r1' });
    withLogContext({ job_id: '7', queue: 'volume-resize', action: 'volume-resize', request_id: 'r1' }, () => logger.info({ volume: 4711 }, 'decided'));
    const line = lines[0] ?? '';
    const keys = keysOf(line);
    expect(keys.filter((k) => k === 'action')).toEqual(['action']);
    expect(keys.filter((k) => k === 'request_id')).toEqual(['request_id']);
    expect(JSON.parse(line)).toMatchObject({ action: 'volume-resize', job_id: '7', queue: 'volume-resize', volume: 4711 });
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['debug', undefined],
    ['verbose', 'LOG_LEVEL "verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent'],
  ])('LOG_LEVEL %s -> %s', (value, problem) => {
    expect(invalidLogLevel(value)).toBe(problem);
  });

  it('an unknown LOG_LEVEL does not make the logger throw', () => {
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'loud';
    try {
      expect(createLogger().level).toBe('info');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
  });
});
