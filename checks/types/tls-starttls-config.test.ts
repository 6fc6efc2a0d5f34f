import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const parse = (entry: string) => parseConfig(`checks:\n  - ${entry}\n`, 'tls.yaml', {});
const problemsOf = (entry: string): readonly string[] => {
  try {
    parse(entry);
  } catch (e) {
    return (e as { problems?: string[] }).problems ?? [String(e)];
  }
  return [];
};

describe('tls check: starttls config', () => {
  it.each([
    ['mail.example.com:587', 'smtp'],
    ['mail.example.com:25', 'smtp'],
    ['mail.example.com:143', 'imap'],
    ['mail.example.com:110', 'pop3'],
    ['db.example.com:5432', 'postgres'],
    ['mail.example.com:993', undefined],
    ['api.example.com:443', undefined],
  ])('%s defaults to %s', (target, protocol) => {
    expect(parse(`{ name: c, type: tls, target: "${target}" }`).checks[0]?.starttls).toBe(protocol);
  });

  it('an explicit protocol wins over the port', () => {
    expect(parse('{ name: c, type: tls, target: "db.example.com:6432", starttls: postgres }').checks[0]?.starttls).toBe('postgres');
  });

  it.each([
    [
      'an unknown protocol',
      '{ name: c, type: tls, target: "a:21", starttls: ftp }',
      'checks[0].starttls: unknown protocol "ftp" (known: smtp, imap, pop3, postgres)',
    ],
    ['starttls without a target', '{ name: c, type: tls, files: ["/etc/ssl/a.pem"], starttls: smtp }', 'checks[0].starttls: only applies to a target'],
  ])('refuses %s', (_name, entry, message) => {
    expect(problemsOf(entry)).toContain(message);
  });
});
