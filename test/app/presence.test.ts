import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { sendMessage } from '../../shared/app/messages.js';
import { connected, ping } from '../../shared/app/presence.js';
import { joinConversation } from '../../shared/app/subscriptions.js';
import { memoryDeps, withDirect } from '../support/deps.js';

describe('presence announcements', () => {
  it('when a user who chose to appear offline connects, then nobody is told they are online', async () => {
    const { deps } = memoryDeps();
    await createConversation(deps, { userId: 'alice' }, { type: 'direct', participants: ['bob'] });
    expect(await connected(deps, { userId: 'alice', connectionId: 'c1' })).toEqual([
      expect.objectContaining({ target: 'UserOnline', to: { users: ['bob'] } }),
    ]);
    await deps.ephemeral.disconnect('alice', 'c1');
    await deps.ephemeral.setStatus('alice', 'offline', null);
    expect(await connected(deps, { userId: 'alice', connectionId: 'c2' })).toEqual([]);
  });
});

describe('presence refresh', () => {
  it('when a connection sends, joins or pings, then its presence is refreshed; HTTP calls refresh nothing', async () => {
    const { deps, id } = await withDirect();
    const touched: (string | undefined)[] = [];
    deps.ephemeral.touch = (userId, connectionId) => {
      touched.push(`${userId}/${connectionId}`);
      return Promise.resolve();
    };
    const hub = { userId: 'alice', connectionId: 'c1' };
    await sendMessage(deps, hub, id, { content: 'hi', clientMessageId: 'cm-1' });
    await sendMessage(deps, hub, id, { content: 'hi', clientMessageId: 'cm-1' });
    await joinConversation(deps, hub, id);
    expect(await ping(deps, hub)).toEqual({ result: 'pong', pushes: [] });
    expect(touched).toEqual(['alice/c1', 'alice/c1', 'alice/c1', 'alice/c1']);
    await sendMessage(deps, { userId: 'alice' }, id, { content: 'over http' });
    expect(touched).toHaveLength(4);
  });

  it('when refreshing presence fails, then the call still succeeds and the failure is logged', async () => {
    const t = await withDirect();
    t.deps.ephemeral.touch = () => Promise.reject(new Error('redis down'));
    expect((await ping(t.deps, { userId: 'alice', connectionId: 'c1' })).result).toBe('pong');
    expect(t.logs.some((l) => l.message === 'presence failed')).toBe(true);
  });
});
