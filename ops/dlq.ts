// `npm run dlq -- list|peek|replay|purge [<queue>] [--count N] [--dir <folder> | --namespace <fqdn>]`: the dead-letter
// queues of the local broker's journal folder (npm start stopped) or of a Service Bus namespace (DefaultAzureCredential).
import { pathToFileURL } from 'node:url';
import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';
import { LocalBroker, replayId } from '../local/queue/broker.js';
import { QUEUE_NAMES, type QueueName } from '../shared/domain/queues.js';

const COMMANDS = ['list', 'peek', 'replay', 'purge'] as const;
type Command = (typeof COMMANDS)[number];

interface DeadLetter {
  id: string;
  reason: string | undefined;
  description: string | undefined;
  deliveryCount: number | undefined;
  enqueuedAt: Date | undefined;
  body: unknown;
}

/** What each back end must do; the command's wording is the same for both. */
interface DeadLetterStore {
  count(queue: QueueName): Promise<string>;
  peek(queue: QueueName, count: number): Promise<DeadLetter[]>;
  replay(queue: QueueName, count: number): Promise<number>;
  purge(queue: QueueName, count: number): Promise<number>;
  close(): Promise<void>;
}

async function localStore(dir: string): Promise<DeadLetterStore> {
  const broker = await LocalBroker.open({ dir });
  return {
    count: (q) => Promise.resolve(String(broker.peek(q, { deadLetter: true }).length)),
    peek: (q, n) =>
      Promise.resolve(
        broker.peek(q, { deadLetter: true, count: n }).map((m) => ({
          id: m.id,
          reason: m.dead?.reason,
          description: m.dead?.description,
          deliveryCount: m.deliveryCount,
          enqueuedAt: new Date(m.enqueuedAt),
          body: m.body,
        })),
      ),
    replay: (q, n) => broker.replayDeadLetters(q, n),
    purge: (q, n) => broker.purgeDeadLetters(q, n),
    close: () => broker.close(),
  };
}

const PAGE = 100;

function namespaceStore(fqdn: string): DeadLetterStore {
  const client = new ServiceBusClient(fqdn, new DefaultAzureCredential());
  const dlq = (q: QueueName, receiveMode: 'peekLock' | 'receiveAndDelete' = 'peekLock') =>
    client.createReceiver(q, { subQueueType: 'deadLetter', receiveMode });
  return {
    async count(q) {
      const r = dlq(q);
      const n = (await r.peekMessages(PAGE)).length;
      await r.close();
      return n >= PAGE ? `${PAGE}+` : String(n);
    },
    async peek(q, n) {
      const r = dlq(q);
      const messages = await r.peekMessages(n);
      await r.close();
      return messages.map((m) => ({
        id: String(m.messageId),
        reason: m.deadLetterReason,
        description: m.deadLetterErrorDescription,
        deliveryCount: m.deliveryCount,
        enqueuedAt: m.enqueuedTimeUtc,
        body: m.body as unknown,
      }));
    },
    async replay(q, n) {
      const r = dlq(q);
      const sender = client.createSender(q);
      let done = 0;
      try {
        for (const m of await r.receiveMessages(n, { maxWaitTimeInMs: 5000 })) {
          // sent before completing: a crash in between leaves a copy in both places, never in neither
          await sender.sendMessages({
            body: m.body as unknown,
            messageId: replayId(String(m.messageId), Date.now()),
            ...(m.contentType !== undefined && { contentType: m.contentType }),
            ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
            applicationProperties: { ...m.applicationProperties, replayOf: String(m.messageId) },
          });
          await r.completeMessage(m);
          done++;
        }
      } finally {
        await Promise.all([r.close(), sender.close()]);
      }
      return done;
    },
    async purge(q, n) {
      const r = dlq(q, 'receiveAndDelete');
      const gone = await r.receiveMessages(n, { maxWaitTimeInMs: 5000 });
      await r.close();
      return gone.length;
    },
    close: () => client.close(),
  };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const USAGE = `usage: npm run dlq -- list|peek|replay|purge [<queue>] [--count N] [--dir <folder> | --namespace <ns>.servicebus.windows.net]
queues: ${QUEUE_NAMES.join(', ')}`;

/** Runs one command; returns the exit code. `out` receives the lines to print. */
export async function runDlq(
  argv: string[],
  out: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [command, queueArg] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  const queue = QUEUE_NAMES.find((q) => q === queueArg);
  const count = Number(option(argv, 'count') ?? (command === 'peek' ? 10 : Number.POSITIVE_INFINITY));
  if (!COMMANDS.includes(command as Command) || (command !== 'list' && !queue) || !(count > 0)) {
    out(USAGE);
    return 2;
  }
  const namespace = option(argv, 'namespace');
  const store = namespace
    ? namespaceStore(namespace)
    : await localStore(option(argv, 'dir') ?? env.LOCAL_QUEUE_DIR ?? '.local-data/queues');
  // why: Service Bus receives at most a few thousand at once; "all" means a large page there
  const n = Number.isFinite(count) ? count : namespace ? 1000 : count;
  try {
    if (command === 'list') {
      for (const q of queue ? [queue] : QUEUE_NAMES) out(`${q.padEnd(20)} ${await store.count(q)} dead-lettered`);
    } else if (command === 'peek' && queue) {
      for (const m of await store.peek(queue, n)) {
        out(
          `${m.id}  ${m.reason ?? '?'}: ${m.description ?? ''}  deliveries=${m.deliveryCount ?? '?'}  enqueued=${m.enqueuedAt?.toISOString() ?? '?'}`,
        );
        out(`  ${JSON.stringify(m.body)}`);
      }
    } else if (command === 'replay' && queue) out(`${queue}: replayed ${await store.replay(queue, n)}`);
    else if (command === 'purge' && queue) out(`${queue}: purged ${await store.purge(queue, n)}`);
    return 0;
  } finally {
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runDlq(process.argv.slice(2), (line) => console.log(line)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
