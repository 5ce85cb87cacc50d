import { describe, expect, it } from 'vitest';
import { isPresenceStatus, PRESENCE_STATUSES, visiblePresence } from '../../shared/domain/presence.js';

describe('presence rule', () => {
  it('when a user never chose a status, then they show online exactly while a connection is live', () => {
    expect(visiblePresence(null, 2)).toEqual({ status: 'online', isOnline: true, connections: 2 });
    expect(visiblePresence(null, 0)).toEqual({ status: 'offline', isOnline: false, connections: 0 });
  });

  it('when a user chose away or busy, then it shows while connected and offline once no connection is live', () => {
    expect(visiblePresence('away', 1)).toEqual({ status: 'away', isOnline: true, connections: 1 });
    expect(visiblePresence('busy', 3)).toEqual({ status: 'busy', isOnline: true, connections: 3 });
    expect(visiblePresence('busy', 0)).toEqual({ status: 'offline', isOnline: false, connections: 0 });
    expect(visiblePresence('online', 1)).toEqual({ status: 'online', isOnline: true, connections: 1 });
  });

  it('when a user appears offline, then others see offline with no connections, however many are live', () => {
    for (const live of [0, 1, 5])
      expect(visiblePresence('offline', live)).toEqual({ status: 'offline', isOnline: false, connections: 0 });
  });

  it('when a stored value is checked, then only the four statuses are accepted', () => {
    for (const s of PRESENCE_STATUSES) expect(isPresenceStatus(s)).toBe(true);
    for (const s of ['Online', 'invisible', '', null, undefined, 1]) expect(isPresenceStatus(s)).toBe(false);
  });
});
