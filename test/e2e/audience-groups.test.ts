import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import type { GroupSender } from '../../shared/ports/realtime.js';
import { AUDIENCE_TTL_SECONDS, AudienceGroups, audienceGroup } from '../../shared/runtime/audience-groups.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, type TestClient } from '../support/hub.js';
import { startTestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('audience groups: one group send per event once a set of users is in its group', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ RATE_LIMIT_SEND_PER_MINUTE: '10000' });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await stack.stop();
  });

  /** Asks the service itself (data-plane REST, `GET users/{u}/groups/{g}`) whether the user is in the group. */
  async function inGroup(userId: string, group: string): Promise<boolean> {
    if (stack.settings.signalR.kind !== 'connection-string') throw new Error('the test stack uses a connection string');
    const conn = parseSignalRConnectionString(stack.settings.signalR.connectionString);
    const path = `/api/hubs/messaging/users/${encodeURIComponent(userId)}/groups/${encodeURIComponent(group)}?api-version=2022-06-01`;
    const token = await signSignalRToken({
      accessKey: conn.accessKey ?? '',
      audience: `${conn.audienceBase.replace(/\/$/, '')}${path}`,
      ttlSeconds: 60,
    });
    const r = await fetch(`${conn.endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return r.status === 200;
  }

  it('when participants leave and join, then each message reaches exactly the participants of its moment', async () => {
    const run = `${process.pid}-${Date.now()}`;
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `aud-${x}-${run}`) as [string, string, string, string];
    const tokens = await Promise.all([a, b, c, d].map((id) => api.token(id)));
    const created = await api.call('POST', `${M}/conversations`, {
      token: tokens[0],
      body: { type: 'group', title: 'audience', participants: [b, c] },
    });
    expect(created.status).toBe(201);
    const conversationId = created.body.conversationId as string;
    const [ca, cb, cc, cd] = await Promise.all(tokens.map((t) => connectClient(stack.baseUrl, t)));
    clients.push(ca as TestClient, cb as TestClient, cc as TestClient, cd as TestClient);
    const got = (client: TestClient | undefined, text: string) =>
      client?.next('OnMessageReceived', (m) => m.content === text, 10_000);
    const send = (text: string) =>
      ca?.conn.invoke('SendMessage', { conversationId, content: text, clientMessageId: `${text}-${run}` });

    for (const text of ['one', 'two', 'three']) {
      await send(text);
      await Promise.all([got(ca, text), got(cb, text), got(cc, text)]);
    }
    const everyone = audienceGroup([a, b, c]);
    expect(await inGroup(b, everyone)).toBe(true);
    expect(await inGroup(d, everyone)).toBe(false);

    const removed = await api.call('DELETE', `${M}/conversations/${conversationId}/participants`, {
      token: tokens[0],
      body: { userId: c },
    });
    expect(removed.status).toBe(204);
    for (const text of ['four', 'five']) {
      await send(text);
      await Promise.all([got(ca, text), got(cb, text)]);
    }
    await sleep(300);
    const seenByC = cc?.events.filter((e) => e.target === 'OnMessageReceived').map((e) => e.payload.content);
    expect(seenByC).toEqual(['one', 'two', 'three']);
    expect(await inGroup(c, audienceGroup([a, b]))).toBe(false);

    const added = await api.call('POST', `${M}/conversations/${conversationId}/participants`, {
      token: tokens[0],
      body: { userIds: [d] },
    });
    expect(added.status).toBe(200);
    for (const text of ['six', 'seven']) {
      await send(text);
      await Promise.all([got(ca, text), got(cb, text), got(cd, text)]);
    }
    expect(await inGroup(d, audienceGroup([a, b, d]))).toBe(true);
  }, 60_000);
});

/** A GroupSender that does what the service does with the calls: users, groups and who would receive what. */
class ServiceModel implements GroupSender {
  readonly calls: string[] = [];
  readonly members = new Map<string, { users: Set<string>; until: number }>();
  readonly received: [string, string][] = [];
  failAdds = false;
  constructor(private readonly now: () => number) {}

  sendToGroup(_hub: string, group: string, message: { target: string }): Promise<void> {
    this.calls.push(`group ${group}`);
    const g = this.members.get(group);
    if (g && g.until > this.now()) for (const u of g.users) this.received.push([u, message.target]);
    return Promise.resolve();
  }
  sendToUsers(_hub: string, users: readonly string[], message: { target: string }): Promise<void> {
    this.calls.push(`users ${users.length}`);
    for (const u of users) this.received.push([u, message.target]);
    return Promise.resolve();
  }
  addUsersToGroup(_hub: string, users: readonly string[], group: string, ttl: number): Promise<void> {
    if (this.failAdds) return Promise.reject(new Error('service unavailable'));
    this.calls.push(`add ${users.length}`);
    this.members.set(group, { users: new Set(users), until: this.now() + ttl * 1000 });
    return Promise.resolve();
  }
}

describe('AudienceGroups', () => {
  const message = { target: 'OnMessageReceived', arguments: [] };

  it('when a set is new, then it goes per user and its memberships are added; later events are one group send', async () => {
    const service = new ServiceModel(() => 0);
    const groups = new AudienceGroups(service, () => 0);
    await groups.sendToUsers('messaging', ['a', 'b', 'c'], message);
    await groups.sendToUsers('messaging', ['c', 'b', 'a', 'a'], message);
    expect(service.calls).toEqual(['users 3', 'add 3', `group ${audienceGroup(['a', 'b', 'c'])}`]);
    expect(service.received.filter(([u]) => u === 'b')).toHaveLength(2);
  });

  it('when half the TTL has passed, then the next event renews the memberships before the service drops them', async () => {
    let t = 0;
    const service = new ServiceModel(() => t);
    const groups = new AudienceGroups(service, () => t);
    await groups.sendToUsers('messaging', ['a', 'b'], message);
    t += (AUDIENCE_TTL_SECONDS * 1000) / 2 + 1;
    await groups.sendToUsers('messaging', ['a', 'b'], message);
    t += (AUDIENCE_TTL_SECONDS * 1000) / 2 - 1;
    await groups.sendToUsers('messaging', ['a', 'b'], message);
    expect(service.calls.slice(0, 4)).toEqual(['users 2', 'add 2', 'users 2', 'add 2']);
    expect(service.received.filter(([u]) => u === 'a')).toHaveLength(3);
  });

  it('when adding the memberships fails, then the event still went out and the set stays per user', async () => {
    const service = new ServiceModel(() => 0);
    service.failAdds = true;
    const groups = new AudienceGroups(service, () => 0);
    await groups.sendToUsers('messaging', ['a', 'b'], message);
    await groups.sendToUsers('messaging', ['a', 'b'], message);
    expect(service.calls).toEqual(['users 2', 'users 2']);
  });

  it('when one user is the audience, then it stays a user send', async () => {
    const service = new ServiceModel(() => 0);
    await new AudienceGroups(service, () => 0).sendToUsers('messaging', ['a', 'a'], message);
    expect(service.calls).toEqual(['users 1']);
  });
});
