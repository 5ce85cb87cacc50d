/** SignalR JSON hub protocol: messages are JSON texts each terminated by the record separator 0x1E. */
export const RS = '\u001e';

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
} as const;

export interface HubMessage {
  type?: number;
  invocationId?: string;
  target?: string;
  arguments?: unknown[];
  [key: string]: unknown;
}

export const frame = (message: object): string => JSON.stringify(message) + RS;

/** Splits buffered text into complete records, keeping an unfinished tail for the next chunk. */
export class RecordReader {
  private buffer = '';

  push(text: string): string[] {
    this.buffer += text;
    const parts = this.buffer.split(RS);
    this.buffer = parts.pop() ?? '';
    return parts.filter((p) => p.length > 0);
  }

  get pendingBytes(): number {
    return Buffer.byteLength(this.buffer);
  }

  reset(): void {
    this.buffer = '';
  }
}
