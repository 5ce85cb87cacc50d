import { EVENTS, type Push, toUsers } from '../domain/events.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';
import { contactsOf } from './policy.js';

/**
 * The offline grace (PRESENCE_OFFLINE_GRACE_SECONDS): `disconnected` marks a user whose last connection went instead
 * of telling their contacts; `connected` removes the mark, so a reconnect within the grace is never announced; the
 * sweep below announces the users whose mark outlived the grace. A reconnect storm then costs contacts nothing.
 */
export type OfflineSweepDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry' | 'presenceOfflineGraceSeconds'>;

/** Most users one sweep takes; the timer runs every 5 s, so a backlog drains at 100 users a second. */
export const OFFLINE_SWEEP_BATCH = 500;

/** Contact look-ups at once (each is a memberships query plus up to 500 point reads). */
const LOOKUPS_AT_ONCE = 8;

/** A mark no sweep took (the timer stopped) is dropped after this long: by then the news is stale. */
export const offlinePendingKeepSeconds = (deps: Pick<AppDeps, 'presenceOfflineGraceSeconds'>): number =>
  Math.max(600, deps.presenceOfflineGraceSeconds * 10);

/** UserOffline to everyone who shares a conversation with the user (none when there is nobody). */
export async function offlineAnnouncement(
  deps: Pick<AppDeps, 'store'>,
  userId: string,
  lastSeen: string | null,
): Promise<Push[]> {
  const contacts = await contactsOf(deps, userId);
  return contacts.length > 0 ? [toUsers(contacts, EVENTS.userOffline, { userId, lastSeen })] : [];
}

export interface OfflineSweepResult {
  pushes: Push[];
  /** Users whose contacts are told they went offline. */
  announced: number;
  /** Users taken from the marks but online again (a connect raced the sweep): nothing to announce. */
  back: number;
}

/**
 * Takes the users whose offline mark is older than the grace (at most `batch`), re-checks that they are still
 * offline, and returns UserOffline {userId, lastSeen} for their contacts. Never throws: when the ephemeral state is
 * down it announces nothing this time; a user whose contacts could not be looked up is marked again for the next run.
 */
export async function announceOfflineDue(
  deps: OfflineSweepDeps,
  opts: { batch?: number } = {},
): Promise<OfflineSweepResult> {
  const due = await quietly(deps, 'presence sweep', () =>
    deps.ephemeral.takeOfflineDue(deps.presenceOfflineGraceSeconds, opts.batch ?? OFFLINE_SWEEP_BATCH),
  );
  if (!due || due.length === 0) return { pushes: [], announced: 0, back: 0 };
  // why: a connect that raced the sweep may have found no mark (and announced itself online); such users stay unsaid.
  // Someone who appears offline reads offline here, as they were announced when they chose it.
  const now = await quietly(deps, 'presence sweep', () => deps.ephemeral.getPresence(due.map((d) => d.userId)));
  const gone = due.filter((d) => now?.[d.userId]?.isOnline !== true);
  const pushes: Push[] = [];
  for (let i = 0; i < gone.length; i += LOOKUPS_AT_ONCE) {
    const chunk = gone.slice(i, i + LOOKUPS_AT_ONCE);
    const announced = await Promise.all(
      chunk.map(async (d) => {
        try {
          return await offlineAnnouncement(deps, d.userId, now?.[d.userId]?.lastSeen ?? d.since);
        } catch (e) {
          deps.telemetry.log('warn', 'presence sweep: contacts look-up failed; marked again', {
            userId: d.userId,
            error: e instanceof Error ? e.message : String(e),
          });
          await quietly(deps, 'presence sweep', () =>
            deps.ephemeral.markOfflinePending(d.userId, offlinePendingKeepSeconds(deps)),
          );
          return [];
        }
      }),
    );
    pushes.push(...announced.flat());
  }
  const back = due.length - gone.length;
  deps.telemetry.metric('PresenceOfflineAnnounced', gone.length);
  if (back > 0) deps.telemetry.metric('PresenceOfflineSkipped', back);
  return { pushes, announced: gone.length, back };
}
