import { invalid } from '../domain/errors.js';
import type { StoreDeps } from './access.js';
import type { AppDeps, Caller } from './deps.js';

/** True when either user blocks the other. */
export async function isBlockedBetween(deps: StoreDeps, a: string, b: string): Promise<boolean> {
  const [pa, pb] = await Promise.all([deps.store.getProfile(a), deps.store.getProfile(b)]);
  return pa.blocked.some((x) => x.userId === b) || pb.blocked.some((x) => x.userId === a);
}

export async function blockUser(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  caller: Caller,
  userId: string,
  reason?: string,
) {
  if (userId === caller.userId) throw invalid('you cannot block yourself', 'BLOCK.SELF');
  const now = deps.clock.now().toISOString();
  let created = false;
  const profile = await deps.store.updateProfile(caller.userId, (p) => {
    created = !p.blocked.some((b) => b.userId === userId);
    return created ? { ...p, blocked: [...p.blocked, { userId, reason: reason ?? null, blockedAt: now }] } : null;
  });
  return { created, blocked: profile.blocked };
}

export async function unblockUser(deps: StoreDeps, caller: Caller, userId: string) {
  await deps.store.updateProfile(caller.userId, (p) =>
    p.blocked.some((b) => b.userId === userId) ? { ...p, blocked: p.blocked.filter((b) => b.userId !== userId) } : null,
  );
}

export async function listBlocks(deps: StoreDeps, caller: Caller) {
  return { blocked: (await deps.store.getProfile(caller.userId)).blocked };
}
