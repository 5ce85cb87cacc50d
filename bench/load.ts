// Chat load, this stack side by side with a Socket.IO 4.8 peer doing the same work, in the same run.
// Run: npm run bench (full set, ~15 min) or npm run bench -- --quick (reduced set, under 2 minutes).
// Options: --only=<scenario,...> (throughput, cosmos, storm, idle, seed); REDIS_URL for the 2-node peer.
import { childEntry, forkService, type ServiceProcess } from '../local/processes/fork-service.js';
import type { ClientSpec } from './load/client-worker.js';
import { cpuMs, loadAverage, machine, memoryKiB } from './load/proc-stats.js';
import { startPeer, startStack, TARGET_NAMES, type Target, type TargetKind } from './load/targets.js';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wanted = (name: string) => only === undefined || only.includes(name);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKERS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '–');
const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

interface Collected {
  latencies: number[];
  ackLatencies: number[];
  perKey: [string, number][];
  duplicates: number;
  outOfOrder: number;
  deliveries: number;
  gaps: number;
}

class Workers {
  private constructor(private readonly procs: ServiceProcess[]) {}
  static start(n = WORKERS): Workers {
    return new Workers(Array.from({ length: n }, () => forkService(childEntry('bench/load/client-worker'))));
  }
  /** Client i goes to worker i % n, so a conversation's members sit in both workers. */
  async connect(
    target: Target,
    specs: ClientSpec[],
    concurrency = 32,
  ): Promise<{ ms: number; failed: number; failedUsers: string[]; errors: string[] }> {
    const answers = await Promise.all(
      this.procs.map((p, w) =>
        p.request<{ ms: number; failedUsers: string[]; errors: string[] }>(
          {
            op: 'connect',
            kind: target.protocol,
            urls: target.urls,
            clients: specs.filter((_, i) => i % this.procs.length === w),
            concurrency,
          },
          (m) => m.op === 'connected',
          300_000,
        ),
      ),
    );
    return {
      ms: Math.max(...answers.map((a) => a.ms)),
      failed: answers.reduce((s, a) => s + a.failedUsers.length, 0),
      failedUsers: answers.flatMap((a) => a.failedUsers),
      errors: answers.flatMap((a) => a.errors),
    };
  }
  run(rate: number, durationMs: number) {
    return Promise.all(
      this.procs.map((p) =>
        p.request<{ sent: number; accepted: number; acceptedKeys: string[]; errors: [string, number][] }>(
          { op: 'run', rate: rate / this.procs.length, durationMs },
          (m) => m.op === 'ran',
          durationMs + 120_000,
        ),
      ),
    );
  }
  storm() {
    return Promise.all(
      this.procs.map((p) =>
        p.request<{ reconnectMs: number[]; caughtUpMs: number[]; failed: number }>(
          { op: 'storm' },
          (m) => m.op === 'stormed',
          120_000,
        ),
      ),
    );
  }
  async collect(): Promise<Collected> {
    const all = await Promise.all(
      this.procs.map((p) => p.request<Collected>({ op: 'collect' }, (m) => m.op === 'collected')),
    );
    return {
      latencies: all.flatMap((a) => a.latencies),
      ackLatencies: all.flatMap((a) => a.ackLatencies),
      perKey: all.flatMap((a) => a.perKey),
      duplicates: all.reduce((s, a) => s + a.duplicates, 0),
      outOfOrder: all.reduce((s, a) => s + a.outOfOrder, 0),
      deliveries: all.reduce((s, a) => s + a.deliveries, 0),
      gaps: all.reduce((s, a) => s + a.gaps, 0),
    };
  }
  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop({ op: 'close' })));
  }
}

function cpuOf(pids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid) ?? NaN]));
}

interface LoadResult {
  target: TargetKind;
  sent: number;
  accepted: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  s2r: number[];
  ack: number[];
  cpuPerMsg: Record<string, number>;
  peakRssMiB: Record<string, number>;
  connectMs: number;
  errors: string[];
  load: string;
}

function summarise(
  kind: TargetKind,
  runs: Awaited<ReturnType<Workers['run']>>,
  got: Collected,
  /** Connected members per conversation id (a member whose connection failed is not expected to receive). */
  members: Map<string, number>,
): Omit<LoadResult, 'cpuPerMsg' | 'peakRssMiB' | 'connectMs' | 'load'> {
  const counts = new Map(got.perKey);
  const perKeyTotal = new Map<string, number>();
  for (const [k, n] of got.perKey) perKeyTotal.set(k, (perKeyTotal.get(k) ?? 0) + n);
  let received = 0;
  const acceptedKeys = runs.flatMap((r) => r.acceptedKeys);
  let expected = 0;
  for (const k of acceptedKeys) {
    const want = members.get(k.slice(k.indexOf('@') + 1)) ?? 0;
    expected += want;
    received += Math.min(want, perKeyTotal.get(k) ?? 0);
  }
  void counts;
  return {
    target: kind,
    sent: runs.reduce((s, r) => s + r.sent, 0),
    accepted: acceptedKeys.length,
    expected,
    received,
    lost: expected - received,
    duplicates: got.duplicates,
    outOfOrder: got.outOfOrder,
    gaps: got.gaps,
    s2r: got.latencies.sort((a, b) => a - b),
    ack: got.ackLatencies.sort((a, b) => a - b),
    errors: runs.flatMap((r) => r.errors.map(([e, n]) => `${n}× ${e}`)),
  };
}

function connectedMembers(specs: ClientSpec[], failedUsers: string[]): Map<string, number> {
  const failed = new Set(failedUsers);
  const members = new Map<string, number>();
  for (const s of specs)
    if (!failed.has(s.userId)) members.set(s.conversationId, (members.get(s.conversationId) ?? 0) + 1);
  return members;
}

async function startTarget(kind: TargetKind, store: 'memory' | 'cosmos'): Promise<Target> {
  if (kind === 'stack') return startStack(store);
  return startPeer(kind === 'peer1' ? 1 : 2, store, redisUrl);
}

/** N clients in conversations of G, R msg/s for T s after a short warm-up. */
async function loadRun(
  kind: TargetKind,
  o: { store: 'memory' | 'cosmos'; clients: number; group: number; rate: number; seconds: number },
): Promise<LoadResult> {
  const target = await startTarget(kind, o.store);
  const workers = Workers.start();
  try {
    const specs = await target.setup(o.clients, o.group, Math.floor(o.clients / o.group));
    const connected = await workers.connect(target, specs);
    const members = connectedMembers(specs, connected.failedUsers);
    if (connected.failed > 0)
      console.log(`    ${connected.failed} clients failed to connect: ${connected.errors.join('; ')}`);
    // warm-up: JIT, caches and keep-alive sockets, at a quarter of the rate (--quick: half), two messages in every
    // conversation (a set of users' first event goes to each and joins them to its audience group: audience-groups.ts)
    const warmRate = Math.max(10, o.rate / (quick ? 2 : 4));
    const conversations = Math.floor(o.clients / o.group);
    await workers.run(warmRate, Math.max(quick ? 1_000 : 3_000, Math.ceil((2 * conversations) / warmRate) * 1000));
    await sleep(1_000);
    await workers.collect();
    const cpu0 = cpuOf(target.pids);
    const load = loadAverage();
    const runs = await workers.run(o.rate, o.seconds * 1000);
    await sleep(quick ? 1_000 : 2_000);
    const cpu1 = cpuOf(target.pids);
    const got = await workers.collect();
    const base = summarise(kind, runs, got, members);
    const perMsg = (n: number) => (base.accepted > 0 ? n / base.accepted : NaN);
    const cpuPerMsg: Record<string, number> = {};
    for (const name of Object.keys(target.pids)) cpuPerMsg[name] = perMsg((cpu1[name] ?? NaN) - (cpu0[name] ?? NaN));
    const peakRssMiB = Object.fromEntries(
      Object.entries(target.pids).map(([n, pid]) => [n, memoryKiB(pid).peak / 1024]),
    );
    return { ...base, cpuPerMsg, peakRssMiB, connectMs: connected.ms, load };
  } finally {
    await workers.stop();
    await target.stop();
  }
}

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function printLoad(title: string, results: LoadResult[]): void {
  console.log(`\n### ${title}   (${machine()})`);
  console.log(
    '| target | sent / accepted | deliveries expected / received (lost) | dup | out of order / gaps | send→receive ms p50 / p90 / p99 / p99.9 / max | invoke→completion ms p50 / p99 / max | CPU ms/msg (per process) | peak RSS MiB | load avg |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const perProc = Object.entries(r.cpuPerMsg)
      .map(([n, v]) => `${n} ${v.toFixed(2)}`)
      .join(', ');
    const rss = Object.entries(r.peakRssMiB)
      .map(([n, v]) => `${n} ${v.toFixed(0)}`)
      .join(', ');
    console.log(
      `| ${TARGET_NAMES[r.target]} | ${r.sent} / ${r.accepted} | ${r.expected} / ${r.received} (${r.lost}) | ${r.duplicates} | ${r.outOfOrder} / ${r.gaps} | ${[50, 90, 99, 99.9].map((p) => ms(pct(r.s2r, p))).join(' / ')} / ${ms(r.s2r.at(-1) ?? NaN)} | ${ms(pct(r.ack, 50))} / ${ms(pct(r.ack, 99))} / ${ms(r.ack.at(-1) ?? NaN)} | **${total(r.cpuPerMsg).toFixed(2)}** (${perProc}) | ${rss} | ${r.load} |`,
    );
    if (r.errors.length > 0) console.log(`    errors (${TARGET_NAMES[r.target]}): ${r.errors.slice(0, 3).join('; ')}`);
  }
  const stack = results.find((r) => r.target === 'stack');
  const peer = results.find((r) => r.target === 'peer1');
  if (stack && peer) {
    console.log(
      `ratio this stack / Socket.IO 1 node: CPU per message ${(total(stack.cpuPerMsg) / total(peer.cpuPerMsg)).toFixed(1)}×, p99 send→receive ${(pct(stack.s2r, 99) / pct(peer.s2r, 99)).toFixed(1)}×`,
    );
  }
}

async function throughput(
  store: 'memory' | 'cosmos',
  rate: number,
  seconds: number,
  kinds: TargetKind[],
  clients = 1000,
): Promise<void> {
  const results: LoadResult[] = [];
  for (const kind of kinds) {
    try {
      results.push(await loadRun(kind, { store, clients, group: 10, rate, seconds }));
    } catch (e) {
      console.log(`  ${TARGET_NAMES[kind]}: failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  printLoad(
    `${store} store, ${clients} clients in ${clients / 10} conversations of 10, ${rate} msg/s for ${seconds} s`,
    results,
  );
}

/** 1,000 clients under light load drop at once, reconnect at once and catch up with one `?after=` read each. */
async function storm(kind: TargetKind, clients: number): Promise<string> {
  const target = await startTarget(kind, 'memory');
  const workers = Workers.start();
  try {
    const specs = await target.setup(clients, 10, clients / 10);
    const connected = await workers.connect(target, specs);
    const members = connectedMembers(specs, connected.failedUsers);
    await workers.run(50, 1_000);
    await workers.collect();
    const load = loadAverage();
    const running = workers.run(100, quick ? 4_000 : 6_000);
    await sleep(2_000);
    const stormed = await workers.storm();
    const runs = await running;
    await sleep(quick ? 1_000 : 2_000);
    const got = await workers.collect();
    const s = summarise(kind, runs, got, members);
    const rec = stormed.flatMap((x) => x.reconnectMs).sort((a, b) => a - b);
    const caught = stormed.flatMap((x) => x.caughtUpMs).sort((a, b) => a - b);
    const failed = stormed.reduce((n, x) => n + x.failed, 0);
    return `| ${TARGET_NAMES[kind]} | ${clients} | ${ms(mean(rec))} / ${ms(pct(rec, 99))} / ${ms(rec.at(-1) ?? NaN)} | ${ms(caught.at(-1) ?? NaN)} | ${failed} | ${s.accepted} | ${s.lost} | ${load} |`;
  } finally {
    await workers.stop();
    await target.stop();
  }
}

/** Memory per idle connection of the process that holds them (clients in other processes). */
async function idle(kind: TargetKind, steps: number[]): Promise<string[]> {
  const target = await startTarget(kind, 'memory');
  const rows: string[] = [];
  try {
    const max = Math.max(...steps);
    const specs = await target.setup(max, 10, 0);
    const holder = kind === 'stack' ? 'emulator' : 'node';
    const holderPid = target.pids[holder] ?? NaN;
    const hostPid = target.pids.host;
    const before = memoryKiB(holderPid).rss;
    const hostBefore = hostPid === undefined ? NaN : memoryKiB(hostPid).rss;
    let done = 0;
    const workers = Workers.start();
    try {
      for (const n of steps) {
        const load = loadAverage();
        const c = await workers.connect(target, specs.slice(done, n), 64);
        done = n;
        await sleep(quick ? 2_000 : 3_000);
        const rss = memoryKiB(holderPid).rss;
        const hostRss = hostPid === undefined ? NaN : memoryKiB(hostPid).rss;
        rows.push(
          `| ${TARGET_NAMES[kind]} | ${n} | ${ms(c.ms / 1000)} s (${c.failed} failed) | ${((rss - before) / n).toFixed(1)} | ${Number.isNaN(hostRss) ? '–' : ((hostRss - hostBefore) / n).toFixed(1)} | ${load} |`,
        );
      }
    } finally {
      await workers.stop();
    }
  } finally {
    await target.stop();
  }
  return rows;
}

console.log(`# Load bench ${quick ? '(quick)' : ''} — ${new Date().toISOString()}\nmachine: ${machine()}`);
const t0 = Date.now();
if (quick) {
  if (wanted('throughput')) await throughput('memory', 200, 5, ['stack', 'peer1']);
  if (wanted('storm')) {
    console.log(
      `\n### reconnect storm (${machine()})\n| target | clients | reconnect ms mean / p99 / max | all caught up ms | failed | accepted | lost | load avg |\n|---|---|---|---|---|---|---|---|`,
    );
    console.log(await storm('stack', 300));
    console.log(await storm('peer1', 300));
  }
  if (wanted('idle')) {
    console.log(
      `\n### idle connections (${machine()})\n| target | connections | connect time | KiB per connection (holder) | KiB per connection (host) | load avg |\n|---|---|---|---|---|---|`,
    );
    for (const r of await idle('stack', [1000])) console.log(r);
    for (const r of await idle('peer1', [1000])) console.log(r);
  }
} else {
  if (wanted('throughput')) {
    for (const rate of [100, 300, 1000])
      await throughput('memory', rate, rate === 1000 ? 20 : 10, ['stack', 'peer1', 'peer2']);
  }
  if (wanted('cosmos')) await throughput('cosmos', 300, 10, ['stack', 'peer1']);
  if (wanted('storm')) {
    console.log(
      `\n### reconnect storm (${machine()})\n| target | clients | reconnect ms mean / p99 / max | all caught up ms | failed | accepted | lost | load avg |\n|---|---|---|---|---|---|---|---|`,
    );
    console.log(await storm('stack', 1000));
    console.log(await storm('peer1', 1000));
  }
  if (wanted('idle')) {
    console.log(
      `\n### idle connections (${machine()})\n| target | connections | connect time | KiB per connection (holder) | KiB per connection (host) | load avg |\n|---|---|---|---|---|---|`,
    );
    for (const r of await idle('stack', [5000, 10000])) console.log(r);
    for (const r of await idle('peer1', [5000, 10000])) console.log(r);
  }
  if (wanted('seed')) await throughput('memory', 1000, 10, ['stack', 'peer1'], 10_000);
}
console.log(`\n(load bench took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
