import { describe, expect, it } from 'vitest';
import { GRAFANA_DOCS_EXAMPLE } from '../../test/support/grafana-webhook.js';
import { parseWebhookBody } from '../server/webhook-payload.js';
import { alertContextBlock, threadsWithAlertContext, withAlertContext } from './alert-context.js';
import { alertMessage } from './alert-message.js';
import { safeHttpUrl, slackLink } from './slack-text.js';

describe('safeHttpUrl / slackLink', () => {
  it.each([
    ['https://grafana.example.com/d/abc?orgId=1&viewPanel=4', 'https://grafana.example.com/d/abc?orgId=1&viewPanel=4'],
    ['http://10.0.0.5:3000/alerting/silence/new', 'http://10.0.0.5:3000/alerting/silence/new'],
    ['javascript:alert(1)', undefined],
    ['ftp://files.example.com/x', undefined],
    ['https://user:pass@grafana.example.com/', undefined],
    ['https://grafana.example.com/a b', undefined],
    ['https://grafana.example.com/\n<!channel>', undefined],
    ['/relative/path', undefined],
    [`https://x.test/${'a'.repeat(2100)}`, undefined],
    [42, undefined],
  ])('%s -> %s', (raw, expected) => {
    expect(safeHttpUrl(raw)).toBe(expected);
  });

  it('cannot be broken out of: a URL with | or > is dropped, & is escaped, the label is escaped', () => {
    expect(slackLink('https://x.test/a|b?c=<d>&e=1', 'Run')).toBeUndefined();
    expect(slackLink('https://x.test/a?c=d&e=1', 'Run <book> | &')).toBe('<https://x.test/a?c=d&amp;e=1|Run &lt;book&gt; / &amp;>');
  });
});

describe('alert context in Slack messages', () => {
  const grafana = (() => {
    const parsed = parseWebhookBody(JSON.parse(JSON.stringify(GRAFANA_DOCS_EXAMPLE)));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.payload.alerts[0]!;
  })();

  it("shows a Grafana alert's runbook, source, silence links and values, never raw JSON", () => {
    const block = alertContextBlock(grafana, 'https://play.grafana.org/');
    expect(block).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text:
            '<https://myrunbook.com/runbook/1234|Runbook> · <https://play.grafana.org/alerting/1afz29v7z/edit|Source> · ' +
            '<https://play.grafana.org/alerting/silence/new?alertmanager=grafana&amp;matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1|Silence> · <https://play.grafana.org/|Grafana>',
        },
        { type: 'mrkdwn', text: 'Values: B=44.2394, C=1' },
      ],
    });
  });

  it('the notify message carries the same context, and hides Grafana private labels', () => {
    const message = alertMessage({ ...grafana, labels: { ...grafana.labels, __alert_rule_uid__: 'uid1' } }, 'https://play.grafana.org/');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('|Runbook>');
    expect(text).toContain('|Silence>');
    expect(text).toContain('Values: B=44.2394, C=1');
    expect(text).not.toContain('__alert_rule_uid__');
  });

  it('links nothing that is not a clean http(s) URL', () => {
    const hostile = {
      annotations: { runbook_url: 'javascript:alert(1)' },
      generatorURL: 'https://evil.test/|<!channel>',
      grafana: { silenceURL: 'https://u:p@grafana.test/', dashboardURL: 'data:text/html,x', values: { '<!here>': 1 } },
    };
    const block = alertContextBlock(hostile, undefined);
    const text = JSON.stringify(block);
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('u:p@');
    expect(text).not.toContain('data:');
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!here&gt;=1');
  });

  it('turns a plain-text step message into a section plus the context, keeping the fallback text', () => {
    const message = withAlertContext({ text: ':arrow_up: Growing volume `data` (4711)' }, grafana);
    expect(message.text).toBe(':arrow_up: Growing volume `data` (4711)');
    expect(message.blocks?.[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: ':arrow_up: Growing volume `data` (4711)' } });
    expect(message.blocks?.[1]).toMatchObject({ type: 'context' });
    // Nothing to add: the message is left as it was.
    expect(withAlertContext({ text: 'x' }, { annotations: {} })).toEqual({ text: 'x' });
  });
});

describe('threadsWithAlertContext', () => {
  it('adds the context to what a job says and leaves the rest of the threads object as it is', async () => {
    const said: { incident: string; message: unknown; options: unknown }[] = [];
    class Threads {
      #closed: string[] = [];
      async say(incident: string, message: unknown, options?: unknown) {
        said.push({ incident, message, options });
        return undefined;
      }
      async close(incident: string) {
        this.#closed.push(incident);
      }
      get closed() {
        return this.#closed;
      }
    }
    const base = new Threads();
    const decorated = threadsWithAlertContext(base as never, { annotations: { runbook_url: 'https://rb.example/x' } });
    await decorated.say('volume:1', { text: 'step' }, { step: 's1', updateRoot: { text: 'root' } });
    await decorated.close('volume:1');
    expect(JSON.stringify(said[0]?.message)).toContain('<https://rb.example/x|Runbook>');
    expect(JSON.stringify(said[0]?.options)).toContain('<https://rb.example/x|Runbook>');
    expect(base.closed).toEqual(['volume:1']);
  });
});
