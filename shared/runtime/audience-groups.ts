/**
 * One REST call per event instead of one per participant: a send to a set of users goes to a group whose name is a
 * hash of that set, once this process has put every user of the set in it (user→group memberships with a TTL, which
 * the service does not cap at 100 per user the way it caps TTL-less ones; DESIGN.md, facts about Azure).
 *
 * Why the set names the group: a membership is only ever added for a user of the set the name was made from, so a
 * group never holds anyone else. When participants come or go the set changes, and so does the group: someone who
 * left is never in the new one, with no removal to race against. Conversations with the same people share a group.
 *
 * The first event to a set in this process goes to each user as before (it does not depend on the memberships); the
 * memberships are added after it, and the set counts as ready until half their TTL has passed, when the next event
 * renews them the same way. Sends to one user, or to more users than a group is worth, are made per user.
 */
import { createHash } from 'node:crypto';
import type { GroupSender } from '../ports/realtime.js';

/** How long the service keeps a membership; renewed after half of it. */
export const AUDIENCE_TTL_SECONDS = 24 * 60 * 60;
/** Beyond this many users, a send per user is not replaced (the bigger conversations have their own groups). */
const MAX_AUDIENCE = 50;
/** Sets remembered per process; forgetting one only costs one send per user and a renewal. */
const MAX_READY = 50_000;

export const audienceGroup = (users: readonly string[]): string =>
  `audience:${createHash('sha256')
    .update([...new Set(users)].sort().join('\u0000'))
    .digest('base64url')
    .slice(0, 32)}`;

export class AudienceGroups implements GroupSender {
  /** `hub group` → until when the memberships are known to hold (ms). */
  private readonly ready = new Map<string, number>();

  constructor(
    private readonly sender: GroupSender,
    private readonly now: () => number = Date.now,
  ) {}

  sendToGroup(...args: Parameters<GroupSender['sendToGroup']>): Promise<void> {
    return this.sender.sendToGroup(...args);
  }

  addUsersToGroup(...args: Parameters<GroupSender['addUsersToGroup']>): Promise<void> {
    return this.sender.addUsersToGroup(...args);
  }

  async sendToUsers(hub: string, users: readonly string[], message: { target: string; arguments: unknown[] }) {
    const unique = [...new Set(users)];
    if (unique.length < 2 || unique.length > MAX_AUDIENCE) return this.sender.sendToUsers(hub, unique, message);
    const group = audienceGroup(unique);
    const key = `${hub.toLowerCase()} ${group}`;
    const now = this.now();
    if ((this.ready.get(key) ?? 0) > now) return this.sender.sendToGroup(hub, group, message, []);
    await this.sender.sendToUsers(hub, unique, message);
    try {
      await this.sender.addUsersToGroup(hub, unique, group, AUDIENCE_TTL_SECONDS);
    } catch {
      // why: the event went out; without the memberships the set stays per user, and the next event tries again
      return;
    }
    if (this.ready.size >= MAX_READY) this.ready.clear();
    this.ready.set(key, now + (AUDIENCE_TTL_SECONDS * 1000) / 2);
  }
}
