import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { CosmosClient, type CosmosClientOptions, OperationType, type PluginConfig } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COSMOS_RETRY_OPTIONS } from '../../shared/adapters/cosmos/cosmos-client.js';
import { claimIdOf } from '../../shared/adapters/cosmos/cosmos-docs.js';
import { CosmosConversationStore } from '../../shared/adapters/cosmos/cosmos-store.js';
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../support/cosmos-server.js';
import { conversationOf, newMessage, runStoreContract, uniq } from './store.contract.js';

/*
 * The two send paths of the Cosmos store on the embedded server, with every request counted (a request plugin):
 * the transactional batch (atomicBatch, real Cosmos) and the 409-based allocation (servers without atomic batches).
 * The embedded server runs a batch's operations in order without undoing them on a failure, so what it can show
 * is the request count and the behaviour of batches that succeed or fail on their first operation; atomicity
 * itself is only shown on real Cosmos (test/e2e/azure-fidelity.test.ts). A failure half-way shows the server is not
 * atomic: the store undoes what was applied and falls back to the 409 path, which this suite checks too.
 */

const containers = { conversations: 'conversations', memberships: 'memberships', users: 'users' };
let server: EmbeddedCosmos;
let requests: { op: string }[] = [];
const plugins: PluginConfig[] = [
  {
    on: 'request',
    plugin: (context, _node, next) => {
      requests.push({ op: String(context.operationType) });
      return next(context);
    },
  },
];

let client: CosmosClient;
const databaseId = `batch_${randomUUID()}`;
beforeAll(async () => {
  server = await startEmbeddedCosmos();
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: server.endpoint,
    key: server.key,
    agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false, retryOptions: { ...COSMOS_RETRY_OPTIONS } },
    plugins,
  };
  client = new CosmosClient(options);
});
afterAll(async () => {
  await client?.database(databaseId).delete();
  client?.dispose();
  await server?.stop();
});

const open = (atomicBatch: boolean) => CosmosConversationStore.create({ client, databaseId, containers, atomicBatch });

/** Requests made by `run` (all of them, each a round trip). */
async function counted<T>(run: () => Promise<T>): Promise<{ value: T; requests: number; ops: string[] }> {
  requests = [];
  const value = await run();
  const ops = requests.map((r) => r.op);
  return { value, requests: ops.length, ops };
}

// the whole contract, batch path on: what the embedded server lets it prove (it falls back where it must)
runStoreContract('cosmos on cosmosdb-server, transactional-batch send path', async () => {
  const store = await open(true);
  return { store, cleanup: () => Promise.resolve() };
});

describe('send paths of the Cosmos store: round trips and behaviour', () => {
  async function conversation(store: CosmosConversationStore): Promise<string> {
    const id = uniq('c');
    await store.createConversation(conversationOf(id), []);
    // the send's own conversation read (cached per process by the send path); it also gives the batch its etag
    await store.getConversation(id);
    return id;
  }

  it('when the conversation this process knows is current, then a send is ONE request on the batch path, with or without a clientMessageId, and the conversation, message and claim agree', async () => {
    const store = await open(true);
    const id = await conversation(store);
    const plain = await counted(() => store.appendMessage(newMessage(id, { content: 'one' })));
    expect(plain.requests).toBe(1);
    expect(plain.ops).toEqual([OperationType.Batch]);
    const keyed = await counted(() => store.appendMessage(newMessage(id, { content: 'two', clientMessageId: 'k2' })));
    expect(keyed.requests).toBe(1);
    expect(keyed.value).toMatchObject({ created: true, message: { seq: 2, content: 'two' } });
    const c = await store.getConversation(id);
    expect(c).toMatchObject({ lastSeq: 2, lastMessage: { seq: 2, preview: 'two' } });
    const claim = await client
      .database(databaseId)
      .container('conversations')
      .item(claimIdOf('alice', 'k2'), id)
      .read();
    expect(claim.resource).toMatchObject({ seq: 2 });
    // a retry: the claim op fails first (nothing applied), the claim path returns the first message
    const again = await counted(() => store.appendMessage(newMessage(id, { content: 'two', clientMessageId: 'k2' })));
    expect(again.value).toMatchObject({ created: false, message: { seq: 2 } });
    expect(store.atomicBatch).toBe(true);
    expect((await store.listMessages(id, { limit: 10 })).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('when the same sends go the 409-based path, then they cost 3 requests (read, create, conditional patch) and 5 with a clientMessageId (plus claim and its completion)', async () => {
    const store = await open(false);
    const id = await conversation(store);
    expect((await counted(() => store.appendMessage(newMessage(id)))).requests).toBe(3);
    expect((await counted(() => store.appendMessage(newMessage(id, { clientMessageId: 'k' })))).requests).toBe(5);
    expect(store.atomicBatch).toBe(false);
  });

  it('when another instance sent meanwhile, then the batch fails on the conversation etag (412, nothing applied), is read again and retried: 3 requests, seqs without gap', async () => {
    const [mine, theirs] = [await open(true), await open(true)];
    const id = await conversation(mine);
    await mine.appendMessage(newMessage(id, { content: 'mine 1' }));
    await theirs.appendMessage(newMessage(id, { content: 'theirs 2' }));
    const stale = await counted(() => mine.appendMessage(newMessage(id, { content: 'mine 3' })));
    expect(stale.ops).toEqual([OperationType.Batch, OperationType.Read, OperationType.Batch]);
    expect(stale.value.message.seq).toBe(3);
    expect((await counted(() => mine.appendMessage(newMessage(id)))).requests).toBe(1);
    expect((await mine.listMessages(id, { limit: 10 })).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(mine.atomicBatch).toBe(true);
  });

  it('when 2 instances send 40 messages at once to one conversation, then seqs are 1..40 without gap or duplicate and lastSeq is 40', async () => {
    const [a, b] = [await open(true), await open(true)];
    const id = await conversation(a);
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).appendMessage(newMessage(id, { content: `m${i}` }))),
    );
    expect(sent.map((s) => s.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await a.getConversation(id))?.lastSeq).toBe(40);
  });

  it('when a batch fails half-way (a stale etag after the claim op) on a server that is not atomic, then the store undoes the claim, switches to the 409 path for good, and the message is stored once', async () => {
    const [mine, theirs] = [await open(true), await open(true)];
    const id = await conversation(mine);
    await mine.appendMessage(newMessage(id));
    await theirs.appendMessage(newMessage(id));
    const sent = await mine.appendMessage(newMessage(id, { content: 'after', clientMessageId: 'half' }));
    expect(sent).toMatchObject({ created: true, message: { seq: 3, content: 'after' } });
    expect(mine.atomicBatch).toBe(false);
    const retry = await mine.appendMessage(newMessage(id, { content: 'after', clientMessageId: 'half' }));
    expect(retry).toMatchObject({ created: false, message: { seq: 3 } });
    expect((await mine.listMessages(id, { limit: 10 })).map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});
