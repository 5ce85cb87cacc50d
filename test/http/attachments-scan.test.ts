import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { ClamAvScanner } from '../../shared/adapters/blob/clamav-scanner.js';
import { sweepAttachments } from '../../shared/app/attachments-lifecycle.js';
import { getRuntime } from '../../shared/runtime/container.js';
import { apiClient, expectProblem, M } from '../support/api.js';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * A fake clamd speaking INSTREAM: reads `zINSTREAM\0`, then length-prefixed chunks until a zero length, and answers
 * FOUND when the stream holds the EICAR test string. `down` makes it drop connections (a scanner outage).
 */
function fakeClamd(): { server: Server; url: () => string; streams: number; down: boolean } {
  const state = { server: undefined as unknown as Server, url: () => '', streams: 0, down: false };
  state.server = createServer((socket: Socket) => {
    if (state.down) return socket.destroy();
    let buf = Buffer.alloc(0);
    let body = Buffer.alloc(0);
    let started = false;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!started) {
        const cmd = Buffer.from('zINSTREAM\0');
        if (buf.length < cmd.length) return;
        if (!buf.subarray(0, cmd.length).equals(cmd)) return socket.end('UNKNOWN COMMAND\0');
        buf = buf.subarray(cmd.length);
        started = true;
      }
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len === 0) {
          state.streams++;
          socket.end(body.includes(EICAR) ? 'stream: Eicar-Test-Signature FOUND\0' : 'stream: OK\0');
          return;
        }
        if (buf.length < 4 + len) return;
        body = Buffer.concat([body, buf.subarray(4, 4 + len)]);
        buf = buf.subarray(4 + len);
      }
    });
  });
  state.url = () => {
    const a = state.server.address();
    return `tcp://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  };
  return state;
}

const clamd = fakeClamd();
let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let n = 0;

beforeAll(async () => {
  await new Promise<void>((r) => clamd.server.listen(0, '127.0.0.1', () => r()));
  stack = await startLocalStack({
    port: 0,
    signalrPort: 0,
    blobs: true,
    quiet: true,
    env: { CLAMD_URL: clamd.url(), RATE_LIMIT_UPLOADS_PER_MINUTE: '6' },
  });
  api = apiClient(stack.baseUrl);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((r) => clamd.server.close(() => r()));
});

async function upload(token: string, text: string) {
  const form = new FormData();
  form.set('type', 'document');
  form.set('file', new Blob([text], { type: 'text/plain' }), 'note.txt');
  const res = await fetch(`${stack.baseUrl}/api/${M}/attachments/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the JSON answer loosely
  return { status: res.status, body: (await res.json()) as any, contentType: res.headers.get('content-type') };
}

const user = async () => api.token(`u${++n}-${Date.now().toString(36)}`);

describe('malware scanning with ClamAV (a fake clamd speaking INSTREAM) and the upload rate limit', () => {
  it('when the scanner is asked over INSTREAM, then OK is clean, FOUND infected, and a dropped connection an error', async () => {
    const scanner = new ClamAvScanner(clamd.url());
    const big = new Uint8Array(200 * 1024).fill(65);
    expect(await scanner.scan('x', big)).toBe('clean');
    expect(await scanner.scan('x', Buffer.concat([Buffer.from(big), Buffer.from(EICAR)]))).toBe('infected');
    clamd.down = true;
    await expect(scanner.scan('x', big)).rejects.toThrow();
    clamd.down = false;
  });

  it('when an infected file is uploaded, then it is refused and deleted; a clean one is marked clean', async () => {
    const token = await user();
    const bad = await upload(token, `hello ${EICAR}`);
    expectProblem(bad as never, 400, /malware scanner found a threat/);
    expect(bad.body.code).toBe('ATTACHMENT.INFECTED');
    const good = await upload(token, 'hello, world');
    expect(good.status).toBe(201);
    expect(good.body.metadata.scanStatus).toBe('clean');
    const { deps } = await getRuntime();
    const records = (await deps.attachments?.blobs.list('att', 1000)) ?? [];
    expect(records.filter((r) => r.endsWith('/record.json'))).toHaveLength(1);
  });

  it('when the scanner is down, then the upload stays pending and unreadable until a later scan says clean', async () => {
    const token = await user();
    clamd.down = true;
    const r = await upload(token, 'scan me later');
    expect(r.status).toBe(201);
    expect(r.body.metadata.scanStatus).toBe('pending');
    const early = await api.call('GET', `${M}/attachments/${r.body.attachmentId}?format=json`, { token });
    expectProblem(early, 409, /still being scanned/);
    expect(early.headers.get('retry-after')).toBe('5');
    clamd.down = false;
    const { deps } = await getRuntime();
    const report = await sweepAttachments(deps);
    expect(report.scansResolved).toBeGreaterThanOrEqual(1);
    const read = await api.call('GET', `${M}/attachments/${r.body.attachmentId}?format=json`, { token });
    expect(read.status).toBe(200);
    expect(await (await fetch(read.body.url)).text()).toBe('scan me later');
  });

  it('when a user starts more uploads than the per-minute limit, then 429 with retry-after', async () => {
    const token = await user();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await upload(token, `file ${i}`)).status);
    expect(statuses.slice(0, 6)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(statuses[6]).toBe(429);
    const sas = await api.call('POST', `${M}/attachments`, {
      token,
      body: { fileName: 'a.txt', mimeType: 'text/plain', size: 3, type: 'document' },
    });
    expectProblem(sas, 429, /at most 6 uploads per minute/);
    expect(sas.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
