import type { QueueName } from '../../shared/domain/queues.js';

/**
 * Per-queue settings of the local broker, mirrored from infra/modules/servicebus.bicep (`var queues`), spelled as
 * the Bicep spells them; test/infra/queues.test.ts fails when the two differ.
 */
export const QUEUE_SETTINGS: Record<
  QueueName,
  { maxDeliveryCount: number; ttl: string; lock: string; duplicateDetection: boolean; appSends: boolean }
> = {
  'message-events': { maxDeliveryCount: 10, ttl: 'P7D', lock: 'PT1M', duplicateDetection: true, appSends: true },
  'push-notifications': { maxDeliveryCount: 5, ttl: 'P1D', lock: 'PT1M', duplicateDetection: true, appSends: true },
  'link-previews': { maxDeliveryCount: 3, ttl: 'P1D', lock: 'PT1M', duplicateDetection: false, appSends: true },
  translations: { maxDeliveryCount: 3, ttl: 'P1D', lock: 'PT1M', duplicateDetection: true, appSends: true },
  retention: { maxDeliveryCount: 10, ttl: 'P7D', lock: 'PT5M', duplicateDetection: true, appSends: true },
  'booking-events': { maxDeliveryCount: 10, ttl: 'P14D', lock: 'PT1M', duplicateDetection: true, appSends: false },
};

/** servicebus.bicep `duplicateDetectionHistoryTimeWindow` (the same for every queue). */
export const DUPLICATE_WINDOW = 'PT10M';

/** The settings the broker works with, in milliseconds. */
export interface QueueLimits {
  maxDeliveryCount: number;
  ttlMs: number;
  lockMs: number;
  duplicateDetection: boolean;
  duplicateWindowMs: number;
}

/** ISO 8601 durations of the forms the Bicep uses (P1D, PT5M, P1DT2H, PT0.5S). */
export function isoDurationMs(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) throw new Error(`not an ISO 8601 duration of days to seconds: ${iso}`);
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86_400_000 + Number(h ?? 0) * 3_600_000 + Number(min ?? 0) * 60_000 + Number(s ?? 0) * 1000;
}

export function queueLimits(queue: QueueName, override: Partial<QueueLimits> = {}): QueueLimits {
  const q = QUEUE_SETTINGS[queue];
  return {
    maxDeliveryCount: q.maxDeliveryCount,
    ttlMs: isoDurationMs(q.ttl),
    lockMs: isoDurationMs(q.lock),
    duplicateDetection: q.duplicateDetection,
    duplicateWindowMs: isoDurationMs(DUPLICATE_WINDOW),
    ...override,
  };
}
