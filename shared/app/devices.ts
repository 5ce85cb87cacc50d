/** Push devices and push preferences of the caller. */
import { createHash } from 'node:crypto';
import { notFound } from '../domain/errors.js';
import { DEFAULT_PUSH_PREFERENCES, type PushPreferences, type RegisterDeviceBody } from '../domain/push.js';
import type { AppDeps, Caller } from './deps.js';

/** Without a deviceId the token names the device, so registering the same token again changes nothing. */
export async function registerDevice(deps: Pick<AppDeps, 'push'>, caller: Caller, body: RegisterDeviceBody) {
  const deviceId =
    body.deviceId ??
    `d_${createHash('sha256').update(`${body.platform}\u0000${body.token}`).digest('hex').slice(0, 32)}`;
  await deps.push.register(caller.userId, { deviceId, platform: body.platform, token: body.token });
  return { deviceId, platform: body.platform };
}

export async function unregisterDevice(deps: Pick<AppDeps, 'push'>, caller: Caller, deviceId: string) {
  if (!(await deps.push.unregister(caller.userId, deviceId))) throw notFound('Device');
}

/** PUT /preferences: push preferences and the preferred language (null clears it), any subset, in one profile write. */
export async function setPushPreferences(
  deps: Pick<AppDeps, 'store'>,
  caller: Caller,
  change: Partial<PushPreferences> & { language?: string | null },
): Promise<PushPreferences & { language: string | null }> {
  const { language, ...push } = change;
  const profile = await deps.store.updateProfile(caller.userId, (p) => {
    const current = p.push ?? DEFAULT_PUSH_PREFERENCES;
    const next = { ...current, ...push };
    const pushSame =
      Object.keys(push).length === 0 ||
      (next.privatePreviews === p.push?.privatePreviews && next.pushEnabled === p.push.pushEnabled);
    const languageSame = language === undefined || (p.language ?? null) === language;
    if (pushSame && languageSame) return null;
    const { language: _old, ...rest } = p;
    const withPush = pushSame ? rest : { ...rest, push: next };
    const kept = languageSame ? p.language : (language ?? undefined);
    return kept === undefined ? withPush : { ...withPush, language: kept };
  });
  return { ...(profile.push ?? DEFAULT_PUSH_PREFERENCES), language: profile.language ?? null };
}

/** Dev auth mode only (the route checks): what the local push adapter recorded for a user. */
export function recordedPushes(deps: Pick<AppDeps, 'push'>, userId: string) {
  return { notifications: deps.push.recorded?.(userId) ?? [] };
}
