import type { RedisClient } from '../src/redis.js';
import type { AppConfig } from '../src/config/schema.js';
import type { IncidentThreads } from '../src/notify/threads.js';
import type { Logger } from '../src/observability/logger.js';
import type { CheckBase } from './check-type.js';
import { CheckChatState } from './check-state.js';
import { connectivityBackMessage, connectivityLostMessage, downMessage, maintenanceMessage, reminderMessage, upMessage } from './check-messages.js';
import { activeWindow } from './maintenance.js';
import { DEFAULT_REMIND_EVERY_MS } from './types/base.js';
import { Acknowledgements } from '../src/slack/acknowledgements.js';
import { IncidentControls } from '../src/slack/incident-controls.js';

export interface AnnounceDeps {
  config: AppConfig;
  redis: RedisClient;
  threads: IncidentThreads;
  logger: Logger;
}

/** One Slack thread per check outage: incident n of check `name`. */
function checkIncident(name: string, incident: number): string {
  return `check:${name}:${incident}`;
}

/**
 * Brings chat in line with the recorded state: says DOWN for an unannounced outage, UP for an
 * announced one that ended, a reminder every remindEvery while down; nothing while held by a
 * maintenance window or lost connectivity. Every message has a step, and "what chat heard" is
 * stored after it, so a crash or retry at any point repeats no message.
 */
export async function announce(check: CheckBase, now: number, deps: AnnounceDeps): Promise<void> {
  const { redis, config, threads } = deps;
  const prefix = config.redis.prefix;
  const chat = new CheckChatState(redis, prefix);
  const held = (await globalHold(now, chat, deps)) | (await checkMaintenance(check, now, chat, deps));
  if (held) return;

  // Serialize per check: two replicas announcing one check at once would race on `announced`.
  // Busy: the holder says what is due, or the next run does.
  await chat.withAnnounceLease(check.name, async () => {
    const s = await chat.read(check.name);
    if (s.unreadable) deps.logger.warn({ check: check.name, problem: s.unreadable }, 'check state partly unreadable; those fields count as absent');
    if (s.state !== 'down' && s.incident > 0 && s.announcedIncident !== s.incident) {
      // The last outage ended without chat's record of it: never announced (held, too short),
      // or the process died between posting DOWN and recording it. In the second case the
      // DOWN is out there and needs its UP.
      const said = await threads.settle(checkIncident(check.name, s.incident), 'down');
      await chat.recordAnnounced(check.name, { announced: said ? 'down' : 'up', announcedIncident: s.incident });
      s.announced = said ? 'down' : 'up';
      s.announcedIncident = s.incident;
    }
    if (s.announced === 'down' && s.announcedIncident !== undefined && (s.state !== 'down' || s.announcedIncident !== s.incident)) {
      // The announced outage is over (maybe a new one began since, e.g. during maintenance).
      const ended = s.state === 'down' ? { ...s, since: s.downSince } : s;
      await threads.say(checkIncident(check.name, s.announcedIncident), upMessage(check, ended), { step: 'up' });
      await chat.recordAnnounced(check.name, { announced: 'up' });
      s.announced = 'up';
    }
    if (s.state === 'down' && s.announced !== 'down') {
      const incident = checkIncident(check.name, s.incident);
      const controls = IncidentControls.fromConfig(config, redis);
      const down = downMessage(check, s);
      const withAck = controls && !(await threads.hasSaid(incident, 'down')) ? await controls.checkMessage(incident, down, `*${check.name}*`) : down;
      await threads.say(incident, withAck, { step: 'down' });
      await chat.recordAnnounced(check.name, { announced: 'down', announcedIncident: s.incident, lastRemindAt: now });
      return;
    }
    const remindEvery = check.remindEveryMs ?? DEFAULT_REMIND_EVERY_MS;
    if (s.state === 'down' && remindEvery > 0 && now - (s.lastRemindAt ?? now) >= remindEvery) {
      // Acknowledged from Slack: no reminders for this outage (a new outage is a new incident).
      if (await new Acknowledgements(redis, threads, prefix).get(checkIncident(check.name, s.incident))) return;
      const n = Math.floor((now - (s.since ?? now)) / remindEvery);
      await threads.say(checkIncident(check.name, s.incident), reminderMessage(check, s, now), { step: `remind:${n}` });
      await chat.recordAnnounced(check.name, { lastRemindAt: now });
    }
  });
}

/**
 * Per-check maintenance: says "entered" once per window occurrence and "left" once after it.
 * Returns 1 while the check is in a window.
 */
async function checkMaintenance(check: CheckBase, now: number, chat: CheckChatState, deps: AnnounceDeps): Promise<number> {
  const { threads } = deps;
  const window = activeWindow(check.maintenance, now);
  const current = await chat.maintenanceWindow(check.name);
  if (window) {
    if (current !== window.startMs && (await chat.claimMaintenanceMessage(check.name, 'enter', window.startMs))) {
      await threads.say(`check:${check.name}:maintenance:${window.startMs}`, maintenanceMessage(`*${check.name}*`, true, window.reason, window.endMs), {
        step: 'enter',
      });
    }
    await chat.enterMaintenance(check.name, window.startMs);
    return 1;
  }
  if (current !== undefined) {
    if (await chat.claimMaintenanceMessage(check.name, 'leave', current)) {
      await threads.say(`check:${check.name}:maintenance:${current}`, maintenanceMessage(`*${check.name}*`, false, 'window ended'), { step: 'leave' });
    }
    await chat.leaveMaintenance(check.name);
  }
  return 0;
}

/**
 * Holds shared by all checks: a global maintenance window, or lost connectivity (canary failing
 * with most checks). Each is entered and left with one message, claimed atomically
 * (SET ... GET / GETDEL), so however many checks and replicas notice it, it is said once.
 */
async function globalHold(now: number, chat: CheckChatState, deps: AnnounceDeps): Promise<number> {
  const { config, threads } = deps;
  let held = 0;

  const window = activeWindow(config.checkRunner.maintenance, now);
  if (window) {
    const previous = await chat.enterGlobalMaintenance(window.startMs);
    if (previous !== String(window.startMs)) {
      await threads.say(`checks:maintenance:${window.startMs}`, maintenanceMessage('All checks', true, window.reason, window.endMs), { step: 'enter' });
    }
    held = 1;
  } else {
    const ended = await chat.leaveGlobalMaintenance();
    if (ended) await threads.say(`checks:maintenance:${ended}`, maintenanceMessage('All checks', false, 'window ended'), { step: 'leave' });
  }

  const canary = config.checkRunner.canary;
  if (!canary) return held;
  const names = new Set(config.checks.map((c) => c.name));
  const failing = (await chat.failingChecks()).filter((n) => names.has(n));
  const lost = failing.includes(canary) && failing.length > config.checkRunner.connectivityLossRatio * names.size;
  if (lost) {
    if (await chat.markConnectivityLost(now)) {
      await threads.say(`checks:connectivity:${now}`, connectivityLostMessage(canary, failing.length, names.size), { step: 'lost' });
    }
    return 1;
  }
  // Back when the canary passes or most checks pass again (a canary broken on its own must not hold alerts forever).
  const since = await chat.clearConnectivityLost();
  if (since) await threads.say(`checks:connectivity:${since}`, connectivityBackMessage(canary, Number(since), now), { step: 'back' });
  return held;
}
