import { mkdirSync, readFileSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** A message as the broker keeps it (and as the journal writes it). */
export interface StoredMessage {
  /** Service Bus SequenceNumber: per queue, increasing. */
  seq: number;
  /** Service Bus MessageId (the job id). */
  id: string;
  body: unknown;
  correlationId?: string;
  enqueuedAt: number;
  /** Not delivered before this instant (scheduled enqueue, or a retry's backoff). */
  visibleAt: number;
  deliveryCount: number;
  /** Set once the message is in the dead-letter queue. */
  dead?: { reason: string; description: string; at: number };
}

/**
 * One line of a queue's journal. `put` writes a message's whole state (enqueue, dead-letter, compaction); `dlv`
 * counts a delivery before the handler runs, so a message that crashes the process still reaches its maximum;
 * `del` removes; `seen` keeps duplicate-detection history of removed messages across compactions.
 */
export type JournalRecord =
  | { op: 'put'; m: StoredMessage }
  | { op: 'dlv'; seq: number }
  | { op: 'del'; seq: number }
  | { op: 'seen'; id: string; at: number }
  | { op: 'next'; seq: number };

export interface QueueSnapshot {
  messages: Map<number, StoredMessage>;
  seen: Map<string, number>;
  nextSeq: number;
}

/** Where a queue's state lives between restarts. */
export interface Journal {
  /** Resolves once the records are durable. */
  append(records: JournalRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function replay(records: Iterable<JournalRecord>): QueueSnapshot {
  const snap: QueueSnapshot = { messages: new Map(), seen: new Map(), nextSeq: 1 };
  for (const r of records) {
    if (r.op === 'put') {
      snap.messages.set(r.m.seq, r.m);
      snap.nextSeq = Math.max(snap.nextSeq, r.m.seq + 1);
      if (!snap.seen.has(r.m.id) || (snap.seen.get(r.m.id) ?? 0) < r.m.enqueuedAt)
        snap.seen.set(r.m.id, r.m.enqueuedAt);
    } else if (r.op === 'dlv') {
      const m = snap.messages.get(r.seq);
      if (m) m.deliveryCount++;
    } else if (r.op === 'del') snap.messages.delete(r.seq);
    else if (r.op === 'seen') snap.seen.set(r.id, Math.max(r.at, snap.seen.get(r.id) ?? 0));
    else snap.nextSeq = Math.max(snap.nextSeq, r.seq);
  }
  return snap;
}

/** The snapshot as the fewest records that rebuild it. */
export function compacted(snap: QueueSnapshot, seenSince: number): JournalRecord[] {
  const live = new Set([...snap.messages.values()].map((m) => m.id));
  return [
    { op: 'next', seq: snap.nextSeq },
    ...[...snap.seen]
      .filter(([id, at]) => at >= seenSince && !live.has(id))
      .map(([id, at]) => ({ op: 'seen' as const, id, at })),
    ...[...snap.messages.values()].map((m) => ({ op: 'put' as const, m })),
  ];
}

/** For unit tests: the same broker, nothing written. */
export class MemoryJournal implements Journal {
  async append(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * An append-only JSON-lines file per queue. An append resolves once written; one that holds a message (`put`, `next`)
 * also waits for an fsync. The rest (`dlv`, `del`, `seen`) survive a crash of the process once written; lost to a
 * power cut they mean a redelivery (at least once, as Service Bus), so they skip the fsync (13% of a busy host's time
 * went to journal writes). Appends that arrive while a write is in flight are written together (group commit).
 */
export class FileJournal implements Journal {
  private pending: string[] = [];
  private pendingDurable = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private scheduled = false;

  private constructor(private readonly file: FileHandle) {}

  /**
   * Reads `<dir>/<queue>.jsonl` (a torn last line from a crash is ignored), rewrites it compacted (write a temporary
   * file, fsync, rename over), and opens it for appending.
   */
  static async open(
    dir: string,
    queue: string,
    seenSince: (snap: QueueSnapshot) => number,
  ): Promise<{ journal: FileJournal; snapshot: QueueSnapshot }> {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${queue}.jsonl`);
    const snapshot = replay(readRecords(path));
    const tmp = `${path}.tmp`;
    const out = await open(tmp, 'w');
    await out.writeFile(compacted(snapshot, seenSince(snapshot)).map(line).join(''));
    await out.sync();
    await out.close();
    await rename(tmp, path);
    // why: the rename itself must be durable, or a crash could bring back the uncompacted file
    const d = await open(dir, 'r');
    await d.sync().catch(() => undefined);
    await d.close();
    return { journal: new FileJournal(await open(path, 'a')), snapshot };
  }

  append(records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.pending.push(...records.map(line));
    if (records.some((r) => r.op === 'put' || r.op === 'next')) this.pendingDurable = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // why: appends of one turn of the event loop (a burst of enqueues, deliveries, completions) share one write
    if (!this.flushing && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return done;
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    while (this.pending.length > 0) {
      const lines = this.pending.splice(0);
      const waiters = this.waiters.splice(0);
      const durable = this.pendingDurable;
      this.pendingDurable = false;
      try {
        await this.file.write(lines.join(''));
        if (durable) await this.file.datasync();
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing || this.scheduled) await new Promise((r) => setTimeout(r, 1));
    await this.file.close();
  }
}

const line = (r: JournalRecord): string => `${JSON.stringify(r)}\n`;

function readRecords(path: string): JournalRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const records: JournalRecord[] = [];
  lines.forEach((l, i) => {
    try {
      records.push(JSON.parse(l) as JournalRecord);
    } catch (e) {
      // why: only the last line can be torn (a crash mid-append, never acknowledged); anything else is corruption
      if (i !== lines.length - 1) throw new Error(`${path}: line ${i + 1} is not JSON`, { cause: e });
    }
  });
  return records;
}
