// Round trips per operation, counted by decorators around every port (store, Redis state, queue, SignalR output).
// The cosmos columns convert store calls to Cosmos requests with the adapter's costs, for each send path of the
// Cosmos store: "409" = the 409-based allocation (servers without atomic batches), "batch" = one transactional batch
// (COSMOS_ATOMIC_BATCH, real Cosmos) when this process's copy of the conversation is current. Both are the counts
// test/contract/store-cosmos-batch.test.ts measures on the embedded server. A SignalR send is one item of the output
// binding (one REST call in serverless mode).
// Run: npm run bench   (prints the table first, then the latency bench)

import { MarkdownHtmlRenderer } from '../shared/adapters/content/markdown-html.js';
import { ObscenityProfanityScanner } from '../shared/adapters/content/obscenity-profanity.js';
import { EnvelopeDataKeys } from '../shared/adapters/keys/envelope-keys.js';
import { LocalKeyFile } from '../shared/adapters/keys/local-key-file.js';
import { LocalPushSender } from '../shared/adapters/memory/local-push.js';
import { MemoryEphemeralState } from '../shared/adapters/memory/memory-ephemeral.js';
import { MemoryNotificationStore } from '../shared/adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../shared/adapters/memory/memory-store.js';
import { MemoryTemplateStore } from '../shared/adapters/memory/memory-templates.js';
import { MemoryTranslationStore } from '../shared/adapters/memory/memory-translations.js';
import { MemoryWrappedKeys } from '../shared/adapters/memory/memory-wrapped-keys.js';
import { sendReadCache } from '../shared/adapters/send-read-cache.js';
import { toBindingItems } from '../shared/adapters/signalr/binding-messages.js';
import { addParticipants, createConversation } from '../shared/app/conversations.js';
import { planDelivery } from '../shared/app/delivery.js';
import type { AppDeps } from '../shared/app/deps.js';
import { messageEventsConsumer } from '../shared/app/message-events.js';
import { sendMessage } from '../shared/app/messages.js';
import { markRead } from '../shared/app/receipts.js';
import { setTyping } from '../shared/app/typing.js';
import type { Outcome } from '../shared/domain/events.js';
import { MessageEventSchema } from '../shared/domain/jobs.js';
import type { Job } from '../shared/domain/queues.js';
import { DEFAULT_RETENTION_DAYS } from '../shared/domain/rules.js';
import type { JobQueue } from '../shared/ports/queue.js';

type Counts = { store: number; cosmos: number; batch: number; redis: number; queue: number; signalr: number };
const zero = (): Counts => ({ store: 0, cosmos: 0, batch: 0, redis: 0, queue: 0, signalr: 0 });
let counts = zero();

/** Cosmos requests per store call (memberships advance: one conditional patch per member). */
function cosmosCost(method: string, args: unknown[], path: '409' | 'batch'): number {
  switch (method) {
    case 'appendMessage':
      // batch: claim + conversation + message in one request (a stale copy: + 412, read, batch again = 3)
      if (path === 'batch') return 1;
      // 409 path: read conversation + create message + patch lastSeq; with a clientMessageId also claim + complete
      return (args[0] as { clientMessageId: string | null }).clientMessageId === null ? 3 : 5;
    case 'advanceMemberships':
      return (args[1] as string[]).length;
    case 'updateMembership':
    case 'updateConversation':
    case 'updateProfile':
    case 'updateMessage':
      return 2; // read + replace if-match
    default:
      return 1;
  }
}

function counted<T extends object>(target: T, bump: (method: string, args: unknown[]) => void): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'close') return value;
      return (...args: unknown[]): unknown => {
        bump(prop, args);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

const jobs: Job[] = [];
const queue: JobQueue = { enqueue: (j) => (jobs.push(...j), Promise.resolve()), close: () => Promise.resolve() };
const rawStore = counted(new MemoryConversationStore(), (m, a) => {
  counts.store++;
  counts.cosmos += cosmosCost(m, a, '409');
  counts.batch += cosmosCost(m, a, 'batch');
});
const reads = sendReadCache(rawStore);
const deps: AppDeps = {
  store: reads.store,
  sendReads: reads.sendReads,
  ephemeral: counted(new MemoryEphemeralState(), () => counts.redis++),
  notifications: counted(new MemoryNotificationStore(), () => {
    counts.store++;
    counts.cosmos++;
    counts.batch++;
  }),
  templates: new MemoryTemplateStore(),
  queue: counted(queue, () => counts.queue++),
  push: new LocalPushSender(),
  pushGraceSeconds: 5,
  presenceOfflineGraceSeconds: 5,
  clock: { now: () => new Date() },
  ids: { newId: (p) => `${p}_${Math.random().toString(36).slice(2)}` },
  telemetry: { log: () => undefined, event: () => undefined, metric: () => undefined, dependency: () => undefined },
  retention: { byCategory: DEFAULT_RETENTION_DAYS, defaultDays: null },
  limits: { sendPerMinute: 1_000_000, typingPerMinute: 1_000_000, conversationsPerMinute: 1_000_000 },
  notificationTopics: [],
  content: {
    settings: {
      profanityMode: 'mask',
      spam: { repeatMax: 1_000_000, repeatWindowSeconds: 60, newSenderMaxLinks: 3, newSenderHours: 24 },
      sensitiveData: true,
      emoticons: true,
      markdown: true,
    },
    profanity: new ObscenityProfanityScanner(),
    markdown: new MarkdownHtmlRenderer(),
    keys: new EnvelopeDataKeys(LocalKeyFile.inMemory(), new MemoryWrappedKeys()),
  },
  translations: new MemoryTranslationStore(),
  translator: null,
};

/** Counts one operation, including the SignalR sends of its pushes (after delivery planning). */
async function measure(run: () => Promise<Outcome<unknown>>): Promise<Counts> {
  counts = zero();
  const { pushes } = await run();
  const planned = await planDelivery(deps, pushes);
  const c = { ...counts, signalr: toBindingItems(planned).length };
  counts = zero();
  return c;
}

const consumer = messageEventsConsumer(deps);
async function drainMessageEvents(): Promise<Counts> {
  counts = zero();
  let signalr = 0;
  // as the queue wrapper delivers them: planned (planDelivery) into SignalR output items
  for (const job of jobs.splice(0).filter((j) => j.queue === 'message-events'))
    signalr += toBindingItems(
      await planDelivery(deps, (await consumer(MessageEventSchema.parse(job.body))).pushes),
    ).length;
  const c = { ...counts, signalr };
  counts = zero();
  return c;
}

const alice = { userId: 'alice', connectionId: 'conn-alice' };
const dm = (await createConversation(deps, alice, { type: 'direct', participants: ['bob'] })).result.conversationId;
const members = Array.from({ length: 499 }, (_, i) => `member-${i}`);
const group = (await createConversation(deps, alice, { type: 'group', participants: members, title: 'big' })).result
  .conversationId;

const rows: [string, Counts][] = [];
for (const [name, id] of [
  ['DM', dm],
  ['group 500', group],
] as const) {
  // warm the per-process read cache, as any live instance has it
  await sendMessage(deps, alice, id, { content: 'warm-up' });
  await drainMessageEvents();
  rows.push([
    `send (${name})`,
    await measure(() => sendMessage(deps, alice, id, { content: 'hello', clientMessageId: `c-${name}` })),
  ]);
  rows.push([`  └ message-events job (${name}, async)`, await drainMessageEvents()]);
  rows.push([
    `mark-read (${name})`,
    await measure(() => markRead(deps, { userId: id === dm ? 'bob' : (members[0] ?? 'bob') }, id, 2)),
  ]);
  rows.push([`typing (${name})`, await measure(() => setTyping(deps, alice, id, true))]);
}
// warm the read cache again (mark-read's membership write dropped it) and clear alice's typing
await setTyping(deps, alice, group, false);
await sendMessage(deps, alice, group, { content: 'warm-up' });
await drainMessageEvents();
rows.push([
  'send (group 500, mentions 1 member)',
  await measure(() =>
    sendMessage(deps, alice, group, { content: 'hi @member-0', mentions: ['member-0'], clientMessageId: 'c-mention' }),
  ),
]);
rows.push(['  └ message-events job (mention, async)', await drainMessageEvents()]);
rows.push([
  'join (group 500, add 1 participant)',
  await measure(() => addParticipants(deps, alice, group, { userIds: ['newcomer'], role: 'member' })),
]);

const pad = (s: string | number, n: number) => String(s).padEnd(n);
console.log(
  '\nRound trips per operation (memory adapters behind counting decorators; cosmos = Cosmos requests on the 409 path / the batch path)',
);
console.log(
  `${pad('operation', 44)}${pad('store', 7)}${pad('cosmos 409', 12)}${pad('cosmos batch', 14)}${pad('redis', 7)}${pad('queue', 7)}signalr`,
);
for (const [name, c] of rows)
  console.log(
    `${pad(name, 44)}${pad(c.store, 7)}${pad(c.cosmos, 12)}${pad(c.batch, 14)}${pad(c.redis, 7)}${pad(c.queue, 7)}${c.signalr}`,
  );
