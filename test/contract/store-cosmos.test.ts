import { randomUUID } from 'node:crypto';
import https from 'node:https';
import {
  type Container,
  CosmosClient,
  type CosmosClientOptions,
  ErrorResponse,
  OperationType,
  type PluginConfig,
  ResourceType,
} from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COSMOS_RETRY_OPTIONS, createCosmosClient } from '../../shared/adapters/cosmos/cosmos-client.js';
import { claimIdOf } from '../../shared/adapters/cosmos/cosmos-docs.js';
import { CosmosConversationStore, type CosmosStoreOptions } from '../../shared/adapters/cosmos/cosmos-store.js';
import { messageIdOf } from '../../shared/domain/rules.js';
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../support/cosmos-server.js';
import { asPromise, conversationOf, membershipOf, newMessage, runStoreContract, uniq } from './store.contract.js';

const containers = { conversations: 'conversations', memberships: 'memberships', users: 'users' };

let server: EmbeddedCosmos;
beforeAll(async () => {
  server = await startEmbeddedCosmos();
});
afterAll(async () => {
  await server?.stop();
});

/** A fresh database on the embedded server; dropped again by cleanup. */
async function cosmosStore(options: Partial<CosmosStoreOptions> = {}, client?: CosmosClient) {
  const c = client ?? createCosmosClient({ endpoint: server.endpoint, key: server.key, allowSelfSigned: true });
  const databaseId = `contract_${randomUUID()}`;
  const store = await CosmosConversationStore.create({ client: c, databaseId, containers, ...options });
  const raw = (name: keyof typeof containers): Container => c.database(databaseId).container(containers[name]);
  return {
    store,
    client: c,
    databaseId,
    raw,
    cleanup: async () => {
      await c.database(databaseId).delete();
      c.dispose();
    },
  };
}

runStoreContract('cosmos on cosmosdb-server', () => cosmosStore());

describe('CosmosConversationStore on cosmosdb-server', () => {
  let subject: Awaited<ReturnType<typeof cosmosStore>>;
  beforeAll(async () => {
    subject = await cosmosStore();
  });
  afterAll(async () => {
    await subject?.cleanup();
  });

  async function conversation(): Promise<string> {
    const id = uniq('c');
    await subject.store.createConversation(conversationOf(id), [membershipOf('alice', id)]);
    return id;
  }

  it('when containers are created, then they have the partition keys, TTL on without a default, and the composite indexes', async () => {
    const { resource: conv } = await subject.raw('conversations').read();
    const { resource: mem } = await subject.raw('memberships').read();
    const { resource: users } = await subject.raw('users').read();
    expect(conv?.partitionKey?.paths).toEqual(['/conversationId']);
    expect(mem?.partitionKey?.paths).toEqual(['/userId']);
    expect(users?.partitionKey?.paths).toEqual(['/userId']);
    for (const c of [conv, mem, users]) expect(c?.defaultTtl).toBe(-1);
    expect(mem?.indexingPolicy?.compositeIndexes?.[0]?.map((p) => p.path)).toEqual([
      '/pinned',
      '/lastActivityAt',
      '/conversationId',
    ]);
    expect(conv?.indexingPolicy?.compositeIndexes?.[0]?.map((p) => p.path)).toEqual(['/createdAt', '/seq']);
  });

  it('when the store is created again on the same database, then it reuses the containers and sees the data', async () => {
    const id = await conversation();
    const again = await CosmosConversationStore.create({
      client: subject.client,
      databaseId: subject.databaseId,
      containers,
    });
    expect((await again.getConversation(id))?.id).toBe(id);
  });

  it('when documents are written, then they have the documented shape: docTypes, partition values, ttl only on messages and claims', async () => {
    const id = await conversation();
    const { message } = await subject.store.appendMessage(newMessage(id, { clientMessageId: 'shape-1', ttl: 86_400 }));
    const convDoc = (await subject.raw('conversations').item(id, id).read()).resource;
    const msgDoc = (await subject.raw('conversations').item(message.id, id).read()).resource;
    const claimDoc = (await subject.raw('conversations').item(claimIdOf('alice', 'shape-1'), id).read()).resource;
    const memDoc = (await subject.raw('memberships').item(id, 'alice').read()).resource;
    expect(convDoc).toMatchObject({ id, conversationId: id, docType: 'conversation', lastSeq: 1 });
    expect(convDoc?.ttl).toBeUndefined();
    expect(msgDoc).toMatchObject({
      id: messageIdOf(id, 1),
      conversationId: id,
      docType: 'message',
      seq: 1,
      ttl: 86_400,
    });
    expect(claimDoc).toMatchObject({
      docType: 'claim',
      senderId: 'alice',
      clientMessageId: 'shape-1',
      seq: 1,
      ttl: 86_400,
    });
    expect(memDoc).toMatchObject({ id, userId: 'alice', conversationId: id });
    expect(memDoc?.ttl).toBeUndefined();
    // and none of the bookkeeping leaks into what callers see
    expect(Object.keys(message).filter((k) => k.startsWith('_') || k === 'docType' || k === 'writeId')).toEqual([]);
    const read = await subject.store.getConversation(id);
    expect(
      Object.keys(read!).filter((k) => k.startsWith('_') || ['docType', 'writeId', 'conversationId'].includes(k)),
    ).toEqual([]);
  });

  it('when lastSeq moves after an append, then it is done by the conditional patch (the emulator evaluates its condition)', async () => {
    const id = await conversation();
    await subject.store.appendMessage(newMessage(id));
    await subject.store.appendMessage(newMessage(id));
    expect((await subject.store.getConversation(id))?.lastSeq).toBe(2);
    expect(subject.store.conditionalPatch).toBe(true);
  });

  it('when two store instances (two processes) append 100 messages each at once, then seqs are 1..200 without gap or duplicate', async () => {
    const id = await conversation();
    const other = createCosmosClient({ endpoint: server.endpoint, key: server.key, allowSelfSigned: true });
    const second = new CosmosConversationStore({ client: other, databaseId: subject.databaseId, containers });
    const third = new CosmosConversationStore({ client: subject.client, databaseId: subject.databaseId, containers });
    try {
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          [subject.store, second, third][i % 3]!.appendMessage(
            newMessage(id, { content: `m${i}`, clientMessageId: i % 4 === 0 ? `x-${i % 40}` : null }),
          ),
        ),
      );
      console.log(`[cosmos] 200 appends from 3 store instances: ${(performance.now() - started).toFixed(0)} ms`);
      const created = results.filter((r) => r.created).length;
      const stored = await subject.store.listMessages(id, { limit: 500 });
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: created }, (_, i) => i + 1));
      // ids x-0 … x-36 (step 4) are each used 5 times: one message per id
      const ids = stored.map((m) => m.clientMessageId).filter((c) => c !== null);
      expect(new Set(ids).size).toBe(ids.length);
      expect(created).toBe(150 + 10);
      expect((await subject.store.getConversation(id))?.lastSeq).toBe(created);
    } finally {
      other.dispose();
    }
  });

  it('when a pending claim is older than the takeover age and no message was stored, then a retry takes it over and stores the message', async () => {
    const id = await conversation();
    await subject.raw('conversations').items.create({
      id: claimIdOf('alice', 'dead-1'),
      conversationId: id,
      docType: 'claim',
      senderId: 'alice',
      clientMessageId: 'dead-1',
      seq: null,
      owner: 'crashed',
      writeId: 'crashed',
      claimedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const result = await subject.store.appendMessage(newMessage(id, { clientMessageId: 'dead-1' }));
    expect(result.created).toBe(true);
    expect(result.message.seq).toBe(1);
    expect((await subject.raw('conversations').item(claimIdOf('alice', 'dead-1'), id).read()).resource).toMatchObject({
      seq: 1,
    });
    const again = await subject.store.appendMessage(newMessage(id, { clientMessageId: 'dead-1' }));
    expect(again).toEqual({ message: result.message, created: false });
  });

  it('when the writer died after storing its message but before completing the claim, then a retry returns that message and writes nothing', async () => {
    const id = await conversation();
    const first = await subject.store.appendMessage(newMessage(id, { clientMessageId: 'half-1' }));
    const claims = subject.raw('conversations');
    const { resource: claim } = await claims.item(claimIdOf('alice', 'half-1'), id).read();
    await claims
      .item(claimIdOf('alice', 'half-1'), id)
      .replace({ ...claim, seq: null, claimedAt: new Date(Date.now() - 60_000).toISOString() });
    const again = await subject.store.appendMessage(
      newMessage(id, { clientMessageId: 'half-1', content: 'different' }),
    );
    expect(again).toEqual({ message: first.message, created: false });
    expect(await subject.store.listMessages(id, { limit: 10 })).toHaveLength(1);
    expect((await claims.item(claimIdOf('alice', 'half-1'), id).read()).resource).toMatchObject({ seq: 1 });
  });

  it('when a fresh claim stays pending longer than the wait, then the duplicate send is told to retry (unavailable) and nothing is written', async () => {
    const id = await conversation();
    await subject.raw('conversations').items.create({
      id: claimIdOf('alice', 'busy-1'),
      conversationId: id,
      docType: 'claim',
      senderId: 'alice',
      clientMessageId: 'busy-1',
      seq: null,
      owner: 'someone',
      writeId: 'someone',
      claimedAt: new Date().toISOString(),
    });
    const impatient = new CosmosConversationStore({
      client: subject.client,
      databaseId: subject.databaseId,
      containers,
      timing: { claimWaitMs: 300 },
    });
    await expect(impatient.appendMessage(newMessage(id, { clientMessageId: 'busy-1' }))).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'MESSAGE.SEND_IN_PROGRESS',
    });
    expect(await subject.store.listMessages(id, { limit: 10 })).toEqual([]);
  });

  it('when a writer stopped before moving lastSeq, then the next append moves past its seq and lastSeq catches up', async () => {
    const id = await conversation();
    await subject.store.appendMessage(newMessage(id));
    // a message doc for seq 2 without lastSeq having moved: what a crash between the two steps leaves
    await subject.raw('conversations').items.create({
      ...newMessage(id, { content: 'orphan' }),
      id: messageIdOf(id, 2),
      seq: 2,
      docType: 'message',
      writeId: 'w',
    });
    const fresh = new CosmosConversationStore({ client: subject.client, databaseId: subject.databaseId, containers });
    const next = await fresh.appendMessage(newMessage(id, { content: 'after' }));
    expect(next.message.seq).toBe(3);
    expect((await subject.store.listMessages(id, { limit: 10 })).map((m) => m.content)).toEqual([
      'hello',
      'orphan',
      'after',
    ]);
    expect((await subject.store.getConversation(id))?.lastSeq).toBe(3);
  });

  it('when a continuation token of one inbox query is used for another, then it is refused with PAGING.BAD_TOKEN', async () => {
    const user = uniq('u');
    await Promise.all(Array.from({ length: 6 }, (_, i) => subject.store.putMembership(membershipOf(user, `c_${i}`))));
    const { continuationToken } = await subject.store.listMemberships(user, {}, { pageSize: 2 });
    const bad = { kind: 'validation', code: 'PAGING.BAD_TOKEN' };
    await expect(
      asPromise(() =>
        subject.store.listMemberships(
          user,
          { archived: false },
          { pageSize: 2, continuationToken: continuationToken! },
        ),
      ),
    ).rejects.toMatchObject(bad);
    await expect(
      asPromise(() =>
        subject.store.listMemberships(uniq('u'), {}, { pageSize: 2, continuationToken: continuationToken! }),
      ),
    ).rejects.toMatchObject(bad);
  });
});

describe('CosmosConversationStore under injected faults', () => {
  type Fault = 'lost-response' | 'refused' | 'throttled';
  let faults = 0;
  const injected: Record<Fault, number> = { 'lost-response': 0, refused: 0, throttled: 0 };
  let enabled = false;
  let calls = 0;

  const fault503 = (): ErrorResponse =>
    Object.assign(new ErrorResponse('injected: service unavailable'), { code: 503 });
  const plugins: PluginConfig[] = [
    {
      // operation level: outside the SDK's retries, so the store's own handling is what is tested
      on: 'operation',
      plugin: async (context, diagnosticNode, next) => {
        const isWrite =
          context.resourceType === ResourceType.item &&
          [OperationType.Create, OperationType.Replace, OperationType.Patch, OperationType.Upsert].includes(
            context.operationType as OperationType,
          );
        if (!enabled || !isWrite) return next(context);
        calls++;
        if (calls % 5 === 0) {
          injected.refused++;
          faults++;
          throw fault503();
        }
        const response = await next(context);
        if (calls % 7 === 0) {
          // the write happened, the answer is lost: the store must find out instead of writing twice or skipping
          injected['lost-response']++;
          faults++;
          throw fault503();
        }
        return response;
      },
    },
    {
      // request level: the SDK's throttling retry (connectionPolicy.retryOptions) must absorb these
      on: 'request',
      plugin: async (context, diagnosticNode, next) => {
        if (enabled && context.resourceType === ResourceType.item && Math.random() < 0.1) {
          injected.throttled++;
          throw Object.assign(new ErrorResponse('injected: too many requests'), {
            code: 429,
            retryAfterInMs: 5,
            headers: { 'x-ms-retry-after-ms': '5' },
          });
        }
        return next(context);
      },
    },
  ];

  let subject: Awaited<ReturnType<typeof cosmosStore>>;
  beforeAll(async () => {
    const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
      endpoint: server.endpoint,
      key: server.key,
      agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }),
      connectionPolicy: { enableEndpointDiscovery: false, retryOptions: { ...COSMOS_RETRY_OPTIONS } },
      plugins,
    };
    subject = await cosmosStore({}, new CosmosClient(options));
  });
  afterAll(async () => {
    await subject?.cleanup();
  });

  it('when writes fail with 503 (some after they landed) and requests are throttled, then 100 concurrent sends all succeed with seqs 1..N, no gap, no duplicate', async () => {
    const id = uniq('c');
    await subject.store.createConversation(conversationOf(id), []);
    enabled = true;
    let results;
    try {
      results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          subject.store.appendMessage(
            newMessage(id, { content: `m${i}`, clientMessageId: i % 2 === 0 ? `f-${(i / 2) % 30}` : null }),
          ),
        ),
      );
    } finally {
      enabled = false;
    }
    expect(faults).toBeGreaterThan(10);
    expect(injected.throttled).toBeGreaterThan(0);
    const stored = await subject.store.listMessages(id, { limit: 500 });
    const created = results.filter((r) => r.created).length;
    expect(created).toBe(50 + 30);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: created }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.content)).size).toBe(created);
    const cmids = stored.map((m) => m.clientMessageId).filter((c) => c !== null);
    expect(new Set(cmids).size).toBe(30);
    expect((await subject.store.getConversation(id))?.lastSeq).toBe(created);
  });
});
