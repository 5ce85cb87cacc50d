import type { AppError } from '../domain/errors.js';
import { rateRefusal, takeToken } from './best-effort.js';
import type { AppDeps } from './deps.js';

/**
 * Every per-user rate limit, in one table, enforced in the use cases so HTTP and hub calls share one bucket. A token
 * bucket per (bucket, user) holds `perMinute` tokens and refills evenly over a minute; over it, `refuse` answers
 * 429 / a hub error with retry-after, `drop` skips the call silently (hints nobody needs to retry). While the
 * limiter itself is down every call goes through (see best-effort.ts).
 */
interface RatePolicy {
  bucket: string;
  perMinute: (limits: AppDeps['limits']) => number;
  over: 'refuse' | 'drop';
  /** What is counted, for the error text: "at most 60 messages per minute". */
  what: string;
}

const fixed = (n: number) => () => n;

export const RATE_POLICY = {
  send: { bucket: 'send', perMinute: (l) => l.sendPerMinute, over: 'refuse', what: 'messages' },
  typingStart: { bucket: 'typing', perMinute: (l) => l.typingPerMinute, over: 'drop', what: 'typing signals' },
  typingStop: { bucket: 'typing-stop', perMinute: (l) => l.typingPerMinute, over: 'drop', what: 'typing signals' },
  reaction: { bucket: 'react', perMinute: fixed(60), over: 'refuse', what: 'reaction changes' },
  presence: { bucket: 'presence', perMinute: fixed(10), over: 'refuse', what: 'presence updates' },
  callStart: { bucket: 'call', perMinute: fixed(5), over: 'refuse', what: 'calls' },
  callSignal: { bucket: 'call-signal', perMinute: fixed(30), over: 'refuse', what: 'call answers' },
  // why: each upload is stored and decoded (images resized, sound and video run through ffmpeg)
  upload: { bucket: 'upload', perMinute: (l) => l.uploadsPerMinute ?? 20, over: 'refuse', what: 'uploads' },
  // why: every translation not in the store costs Translator characters
  translate: { bucket: 'translate', perMinute: fixed(30), over: 'refuse', what: 'translations' },
  // why: creating a conversation and adding participants both put entries in other users' inboxes and push to them
  conversationFanOut: {
    bucket: 'conversations',
    perMinute: (l) => l.conversationsPerMinute,
    over: 'refuse',
    what: 'new conversations or participant additions',
  },
} as const satisfies Record<string, RatePolicy>;

export type RateOperation = keyof typeof RATE_POLICY;

type LimitDeps = Pick<AppDeps, 'ephemeral' | 'telemetry' | 'limits'>;

/** The 429 for a refusing operation when the user's bucket is empty (a token is taken otherwise), else null. */
export function rateLimitRefusal(deps: LimitDeps, op: RateOperation, userId: string): Promise<AppError | null> {
  const p: RatePolicy = RATE_POLICY[op];
  return rateRefusal(deps, `${p.bucket}:${userId}`, p.perMinute(deps.limits), p.what);
}

/**
 * Takes a token for the operation: true when the call may go on. A refusing operation over its limit throws the
 * 429; a dropping one returns false.
 */
export async function admit(deps: LimitDeps, op: RateOperation, userId: string): Promise<boolean> {
  const p: RatePolicy = RATE_POLICY[op];
  if (p.over === 'refuse') {
    const refusal = await rateLimitRefusal(deps, op, userId);
    if (refusal) throw refusal;
    return true;
  }
  const decision = await takeToken(deps, `${p.bucket}:${userId}`, p.perMinute(deps.limits));
  if (decision && !decision.allowed) {
    deps.telemetry.metric('RateLimitHit', 1, { bucket: p.bucket });
    return false;
  }
  return true;
}
