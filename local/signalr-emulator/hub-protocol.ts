/** SignalR JSON hub protocol: record-separator framing, handshake, and the messages this emulator reads or writes. */

export const RECORD_SEPARATOR = '\u001e';
const RS_BYTE = 0x1e;

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

/** A parsed hub message: the fields we look at, plus the raw JSON text (forwarded upstream verbatim). */
export interface HubMessage {
  type: number;
  invocationId?: string;
  target?: string;
  arguments?: unknown;
  streamIds?: unknown;
  error?: string;
  raw: string;
}

/**
 * Splits incoming bytes into complete messages. A frame may hold several messages; a message may span
 * frames (kept until its separator arrives). Splitting bytes is safe: 0x1E never occurs inside UTF-8 sequences.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    let start = 0;
    for (let i = data.indexOf(RS_BYTE); i !== -1; i = data.indexOf(RS_BYTE, start)) {
      messages.push(data.subarray(start, i));
      start = i + 1;
    }
    this.pending = Buffer.from(data.subarray(start));
    return messages;
  }

  /** Bytes of an unfinished message waiting for its separator. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export type HandshakeRequest = { ok: true; protocol: string; version: number } | { ok: false; error: string };

export function parseHandshake(bytes: Buffer): HandshakeRequest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, error: 'Handshake request is not valid JSON.' };
  }
  if (!isRecord(value) || typeof value.protocol !== 'string' || typeof value.version !== 'number') {
    return { ok: false, error: 'Handshake request must have a string "protocol" and a number "version".' };
  }
  return { ok: true, protocol: value.protocol, version: value.version };
}

export type ParsedMessage = { ok: true; message: HubMessage } | { ok: false; error: string };

export function parseMessage(bytes: Buffer): ParsedMessage {
  const raw = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'Message is not valid JSON.' };
  }
  if (!isRecord(value) || typeof value.type !== 'number')
    return { ok: false, error: 'Message must be an object with a number "type".' };
  const str = (k: string): string | undefined => {
    const v = value[k];
    return typeof v === 'string' ? v : undefined;
  };
  const message: HubMessage = { type: value.type, raw };
  const invocationId = str('invocationId');
  const target = str('target');
  const error = str('error');
  if (invocationId !== undefined) message.invocationId = invocationId;
  if (target !== undefined) message.target = target;
  if (error !== undefined) message.error = error;
  if ('arguments' in value) message.arguments = value.arguments;
  if ('streamIds' in value) message.streamIds = value.streamIds;
  return { ok: true, message };
}

/** Best effort for an oversize message: its type and invocation id, if it parses at all. */
export function peekInvocationId(bytes: Buffer): { type?: number; invocationId?: string } {
  const parsed = parseMessage(bytes);
  if (!parsed.ok) return {};
  const { type, invocationId } = parsed.message;
  return invocationId === undefined ? { type } : { type, invocationId };
}

const frame = (message: object): string => `${JSON.stringify(message)}${RECORD_SEPARATOR}`;

export const handshakeSuccess = (): string => frame({});
export const handshakeError = (error: string): string => frame({ error });
export const pingFrame = (): string => frame({ type: MessageType.Ping });

export function completionFrame(
  invocationId: string,
  outcome: { error: string } | { result: unknown } | Record<string, never> = {},
): string {
  return frame({ type: MessageType.Completion, invocationId, ...outcome });
}

export function invocationFrame(target: string, args: readonly unknown[]): string {
  return frame({ type: MessageType.Invocation, target, arguments: args });
}

export function closeFrame(error: string | undefined, allowReconnect: boolean): string {
  return frame({ type: MessageType.Close, ...(error !== undefined && { error }), allowReconnect });
}
