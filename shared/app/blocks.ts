import { invalid } from '../domain/errors.js';
import type { StoreDeps } from './access.js';
import type { AppDeps, Caller } from './deps.js';

export async function blockUser(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  caller: Caller,
  userId: string,
  reason?: string,
) {
  if (userId === caller.userId) throw invalid('you cannot block yourself', 'BLOCK.SELF');
  const now = deps.clock.now().toISOString();
  // why: the reverse index first, so a block is never in force on one side only (a retry completes both)
  await deps.store.updateProfile(userId, (p) =>
    p.blockedBy?.includes(caller.userId) ? null : { ...p, blockedBy: [...(p.blockedBy ?? []), caller.userId] },
  );
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
  await deps.store.updateProfile(userId, (p) =>
    p.blockedBy?.includes(caller.userId) ? { ...p, blockedBy: p.blockedBy.filter((u) => u !== caller.userId) } : null,
  );
}

export async function listBlocks(deps: StoreDeps, caller: Caller) {
  return { blocked: (await deps.store.getProfile(caller.userId)).blocked };
}
