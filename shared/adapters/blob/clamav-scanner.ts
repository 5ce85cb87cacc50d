import { connect } from 'node:net';
import type { MalwareScanner, ScanVerdict } from '../../ports/attachments.js';

const CHUNK = 64 * 1024;

/**
 * ClamAV's clamd over TCP (CLAMD_URL=tcp://host:3310), with the INSTREAM command: `zINSTREAM\0`, then chunks each
 * prefixed by its 4-byte big-endian length, then a zero length; clamd answers `stream: OK`, `stream: <name> FOUND`
 * or `… ERROR`. An error or no answer leaves the upload pending (retried by the sweep), never clean.
 */
export class ClamAvScanner implements MalwareScanner {
  readonly kind = 'clamav' as const;
  private readonly host: string;
  private readonly port: number;

  constructor(
    url: string,
    private readonly timeoutMs = 30_000,
  ) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 3310);
  }

  scan(_blobName: string, bytes: Uint8Array): Promise<ScanVerdict> {
    return new Promise<ScanVerdict>((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      let answer = '';
      const fail = (e: Error) => {
        socket.destroy();
        reject(e);
      };
      socket.setTimeout(this.timeoutMs, () => fail(new Error('clamd did not answer in time')));
      socket.once('error', fail);
      socket.on('data', (d: Buffer) => {
        answer += d.toString('utf8');
      });
      socket.once('close', () => {
        const line = answer.replace(/\0/g, '').trim();
        if (/^stream: OK$/.test(line)) resolve('clean');
        else if (/ FOUND$/.test(line)) resolve('infected');
        else reject(new Error(`clamd answered "${line.slice(0, 200)}"`));
      });
      socket.once('connect', () => {
        socket.write('zINSTREAM\0');
        for (let at = 0; at < bytes.length; at += CHUNK) {
          const part = bytes.subarray(at, at + CHUNK);
          const len = Buffer.alloc(4);
          len.writeUInt32BE(part.length);
          socket.write(len);
          socket.write(part);
        }
        socket.end(Buffer.alloc(4));
      });
    });
  }
}
