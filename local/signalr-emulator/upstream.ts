/** Serverless upstream: the HTTP calls the service makes to the Function app for connects, disconnects and invocations. */
import { createHmac } from 'node:crypto';
import { keepAliveRequest, ResponseTooLargeError } from '../../shared/adapters/signalr/keep-alive-http.js';
import { completionFrame, RECORD_SEPARATOR } from './hub-protocol.js';

export type UpstreamCategory = 'connections' | 'messages';

export interface UpstreamEvent {
  hub: string;
  category: UpstreamCategory;
  /** `connected`, `disconnected`, or the invocation target. */
  event: string;
  connectionId: string;
  userId: string | undefined;
  /** `type: value` items. */
  claims: readonly string[];
  /** The client's connect query, with a leading `?`. */
  query: string;
  body: string;
}

export type UpstreamResult =
  | { kind: 'response'; status: number; body: string; contentType: string }
  | { kind: 'failed'; error: string }
  | { kind: 'unconfigured' };

const DEFAULT_TIMEOUT_MS = 100_000;
/** why: the service refuses upstream bodies over 16 MB; so do we rather than buffering without limit. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** `sha256=<hex HMAC-SHA256(key = access key, data = connection id)>`, checked by the Functions extension. */
export function connectionSignature(accessKey: string, connectionId: string): string {
  return `sha256=${createHmac('sha256', accessKey).update(connectionId).digest('hex')}`;
}

/** Fills `{hub}`, `{category}`, `{event}` placeholders, as upstream URL templates allow. */
function expandTemplate(template: string, ev: UpstreamEvent): string {
  return template.replace(/\{(hub|category|event)\}/gi, (_m, name: string) => {
    const key = name.toLowerCase();
    return encodeURIComponent(key === 'hub' ? ev.hub : key === 'category' ? ev.category : ev.event);
  });
}

export class Upstream {
  constructor(
    private readonly accessKey: string,
    private url: string | undefined,
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {}

  setUrl(url: string): void {
    this.url = url;
  }

  async post(ev: UpstreamEvent): Promise<UpstreamResult> {
    if (this.url === undefined || this.url === '') return { kind: 'unconfigured' };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-asrs-connection-id': ev.connectionId,
      'x-asrs-hub': ev.hub,
      'x-asrs-category': ev.category,
      'x-asrs-event': ev.event,
      'x-asrs-client-query': headerValue(ev.query),
      'x-asrs-signature': connectionSignature(this.accessKey, ev.connectionId),
    };
    if (ev.userId !== undefined) headers['x-asrs-user-id'] = headerValue(ev.userId);
    if (ev.claims.length > 0) headers['x-asrs-user-claims'] = headerValue(ev.claims.join(', '));
    try {
      // why: a keep-alive agent, not fetch: every invocation is one call, and fetch's per-call work dominated
      const res = await keepAliveRequest(expandTemplate(this.url, ev), {
        method: 'POST',
        headers,
        body: ev.body,
        timeoutMs: this.timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
      });
      return { kind: 'response', status: res.status, body: res.body, contentType: res.contentType };
    } catch (err) {
      if (err instanceof ResponseTooLargeError) return { kind: 'failed', error: `Upstream response is too large` };
      return { kind: 'failed', error: err instanceof Error ? describeError(err) : String(err) };
    }
  }
}

/**
 * Header values are bytes: non-ASCII text (a user id like "zoë") goes out as its UTF-8 bytes (a Node receiver
 * reads them back with `Buffer.from(value, 'latin1').toString('utf8')`); line breaks become spaces.
 */
function headerValue(text: string): string {
  const flat = text.replace(/[\r\n\0]/g, ' ');
  return /^[\x20-\x7e\t]*$/.test(flat) ? flat : Buffer.from(flat, 'utf8').toString('latin1');
}

function describeError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}

/** The frames to write to the client for an upstream answer to an invocation that carries an id. */
export function invocationReply(invocationId: string, result: UpstreamResult): string {
  switch (result.kind) {
    case 'unconfigured':
      return completionFrame(invocationId, { error: 'No upstream configured' });
    case 'failed':
      return completionFrame(invocationId, { error: `Invocation failed: ${result.error}` });
    case 'response':
      break;
  }
  const { status, body } = result;
  if (status >= 200 && status < 300) {
    if (body === '') return completionFrame(invocationId);
    // why: the Functions extension answers a fully framed Completion; add the separator if a host forgot it
    return body.endsWith(RECORD_SEPARATOR) ? body : `${body}${RECORD_SEPARATOR}`;
  }
  return completionFrame(invocationId, {
    error: errorText(result.body, result.contentType) ?? `Invocation failed, status code ${status}`,
  });
}

/** A JSON body's `error` string, or a short plain-text body, so hub errors say what went wrong. */
function errorText(body: string, contentType: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'error' in parsed &&
      typeof parsed.error === 'string' &&
      parsed.error !== ''
    )
      return parsed.error;
    return undefined;
  } catch {
    // not JSON: fall through to the plain-text case
  }
  return /json|html|xml/i.test(contentType) || text.length > 1000 ? undefined : text;
}
