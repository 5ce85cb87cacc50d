/**
 * Bodies of the jobs the send path and its consumers put on the queues, and their deterministic ids: a job enqueued
 * twice (a retried send, the outbox sweep, a redelivered consumer) carries the same id, so the queue drops the copy.
 */
import { z } from 'zod';

/** One per stored message: fan-out, mentions, push notifications. */
export const MessageEventSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  seq: z.number().int().positive(),
  senderId: z.string().min(1),
});
export type MessageEvent = z.infer<typeof MessageEventSchema>;

/**
 * Push notifications of one message to some of its recipients. `phase` now: recipients with no live connection;
 * grace: recipients who were online, checked again after the grace period (delivered receipt or not).
 */
export const PushJobSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  seq: z.number().int().positive(),
  senderId: z.string().min(1),
  phase: z.enum(['now', 'grace']),
  userIds: z.array(z.string().min(1)),
});
export type PushJob = z.infer<typeof PushJobSchema>;

export const messageEventJobId = (messageId: string): string => `msg:${messageId}`;
export const pushJobId = (messageId: string, phase: PushJob['phase']): string => `push:${phase}:${messageId}`;

/** Link previews of one stored message (its first URLs), read on the link-previews queue. */
export const LinkPreviewJobSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  seq: z.number().int().positive(),
});
export type LinkPreviewJob = z.infer<typeof LinkPreviewJobSchema>;

/** Auto-translation of one stored message for the participants who opted in, on the translations queue. */
export const TranslationJobSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  seq: z.number().int().positive(),
  senderId: z.string().min(1),
  /** Set on a copy scheduled after the Translator asked to wait (429 / 503 with Retry-After): 1, 2, … */
  retry: z.number().int().positive().max(10).optional(),
});
export type TranslationJob = z.infer<typeof TranslationJobSchema>;

export const linkPreviewJobId = (messageId: string): string => `preview:${messageId}`;
export const translationJobId = (messageId: string, retry?: number): string =>
  retry === undefined ? `translate:${messageId}` : `translate:${messageId}:retry${retry}`;
/** One run of the retention sweep; a run that stops at its bound enqueues the next round of the same request. */
export const RetentionJobSchema = z.strictObject({
  requestedAt: z.string().min(1),
  round: z.number().int().nonnegative(),
});
export type RetentionJob = z.infer<typeof RetentionJobSchema>;
export const retentionJobId = (job: RetentionJob): string => `retention:${job.requestedAt}:${job.round}`;
/** Rounds one timer tick may chain; the rest waits for the next tick (the cursor keeps the place). */
export const RETENTION_ROUNDS_MAX = 50;
