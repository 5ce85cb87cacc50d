import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, signalrPort: 0, quiet: true });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** Reads one HTTP/1.1 response (head + content-length body) from a raw socket; rejects on timeout or close. */
function readResponse(socket: Socket, timeoutMs = 15_000): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('no response: the connection hangs')), timeoutMs);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (/transfer-encoding: chunked/i.test(head)) {
        const rest = buf.subarray(end + 4).toString('utf8');
        if (!rest.includes('\r\n0\r\n\r\n') && !rest.startsWith('0\r\n\r\n')) return;
        let body = '';
        let at = 0;
        for (;;) {
          const nl = rest.indexOf('\r\n', at);
          const size = Number.parseInt(rest.slice(at, nl), 16);
          if (!size) break;
          body += rest.slice(nl + 2, nl + 2 + size);
          at = nl + 2 + size + 2;
        }
        return done(null, { status: Number(head.split(' ')[1]), head, body });
      }
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
      if (buf.length < end + 4 + len) return;
      done(null, {
        status: Number(head.split(' ')[1]),
        head,
        body: buf.subarray(end + 4, end + 4 + len).toString('utf8'),
      });
    };
    const onClose = () => done(new Error('connection closed before a response'));
    function done(err: Error | null, res?: { status: number; head: string; body: string }) {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else if (res) resolve(res);
    }
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

const healthRequest = (host: string) => `GET /api/health HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n\r\n`;

describe('local host: a 413 does not poison the keep-alive connection', () => {
  it('when a body over the limit is sent on a keep-alive connection, then 413 with a detail, and the next request on it is answered', async () => {
    const url = new URL(stack.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const size = 17 * 1024 * 1024;
    const pending = readResponse(socket);
    socket.write(
      `POST /api/v1/messaging/attachments/upload HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/octet-stream\r\ncontent-length: ${size}\r\nconnection: keep-alive\r\n\r\n`,
    );
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 17; i++) socket.write(chunk);
    const tooLarge = await pending;
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).detail).toMatch(/request body over \d+ bytes/);
    const next = readResponse(socket);
    socket.write(healthRequest(url.host));
    expect((await next).status).toBeLessThan(600);
    expect((await next).status).not.toBe(413);
    socket.destroy();
  }, 60_000);

  it('when a declared body is far beyond what the host drains, then 413 with connection: close and the socket is closed (no hang)', async () => {
    const url = new URL(stack.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const pending = readResponse(socket);
    socket.write(
      `POST /api/v1/messaging/attachments/upload HTTP/1.1\r\nhost: ${url.host}\r\ncontent-length: ${1024 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(64 * 1024, 'x'));
    const res = await pending;
    expect(res.status).toBe(413);
    expect(res.head).toMatch(/connection: close/i);
    await closed;
  }, 30_000);
});
