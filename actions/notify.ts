import { alertMessage } from '../src/notify/alert-message.js';
import { IncidentControls } from '../src/slack/incident-controls.js';
import { defineAction } from '../src/action.js';

/**
 * Posts an alert to Slack: the firing alert opens a thread (one per alert fingerprint), the
 * resolved alert replies in it and turns the first message green.
 */
export const notifyAction = defineAction({
  name: 'notify',
  description: 'Post the alert to the chat channel, one thread per incident.',
  // One post per alert: a storm of them must not push resizes and approvals out of the audit trail.
  routineOutcomes: true,
  create({ threads, redis, config }) {
    const prefix = config.redis.prefix;
    // Silence / Acknowledge buttons when Slack interactivity is on.
    const controls = IncidentControls.fromConfig(config, redis);
    return async (job) => {
      const { alert, externalURL, dedupKey } = job.data;
      const incident = `alert:${alert.fingerprint}`;
      const resolvedMarker = `${prefix}:notify:resolved:${alert.fingerprint}:${alert.startsAt}`;
      const message = alertMessage(alert, externalURL);

      if (alert.status === 'firing') {
        // Asked only when there are buttons to add: two round trips per alert otherwise.
        const opening = !!controls && !(await threads.get(incident)) && !(await threads.hasSaid(incident, dedupKey));
        const withControls =
          controls && opening ? await controls.alertMessage(incident, alert.labels, message, `*${alert.labels.alertname ?? 'alert'}*`) : message;
        // A retried firing job that lost the race to its own resolution must not reopen it:
        // the marker is asked in the same round trip as the thread's state.
        const said = await threads.sayUnless(resolvedMarker, incident, withControls, { step: dedupKey });
        if (said.skipped) return { outcome: 'stale' };
        return { outcome: 'notified', thread: said.root?.ts };
      }
      const ref = await threads.say(incident, message, { step: dedupKey, updateRoot: message });
      await redis.set(resolvedMarker, '1', 'EX', 86_400);
      await threads.close(incident);
      return { outcome: 'notified', thread: ref?.ts };
    };
  },
});
