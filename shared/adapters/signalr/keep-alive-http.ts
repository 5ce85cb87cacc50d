/**
 * HTTP calls to SignalR Service (REST pushes) and from it (the emulator's upstream calls) over keep-alive agents:
 * one TCP connection carries many calls, and node:http costs a fraction of fetch's per-call work (a profile of the
 * send path at 300 msg/s spent about a quarter of its busy time in fetch plumbing).
 */
import http from 'node:http';
import https from 'node:https';

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 128, maxFreeSockets: 128, scheduling: 'lifo' as const };
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
}

export class ResponseTooLargeError extends Error {}

export interface HttpCall {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Answers longer than this are refused (ResponseTooLargeError). */
  maxBytes?: number;
}

/**
 * One call; when a reused keep-alive connection turns out to have been closed by the server (it closes idle ones),
 * the call is made once more on a fresh connection, as Node's documentation advises: the server never read it.
 */
export async function keepAliveRequest(url: string, call: HttpCall): Promise<HttpAnswer> {
  try {
    return await requestOnce(url, call);
  } catch (e) {
    if (!(e instanceof StaleSocketError)) throw e;
    return requestOnce(url, call);
  }
}

class StaleSocketError extends Error {}

function requestOnce(url: string, call: HttpCall): Promise<HttpAnswer> {
  const secure = url.startsWith('https:');
  const body = call.body === undefined ? undefined : Buffer.from(call.body, 'utf8');
  let answered = false;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method: call.method,
        agent: secure ? agents.https : agents.http,
        headers: { ...call.headers, 'content-length': String(body?.length ?? 0) },
        timeout: call.timeoutMs,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (call.maxBytes !== undefined && size > call.maxBytes) {
            res.destroy();
            reject(new ResponseTooLargeError(`response is larger than ${call.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: String(res.headers['content-type'] ?? ''),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${call.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && !answered;
      reject(stale ? new StaleSocketError(err.message) : err);
    });
    req.end(body);
  });
}
