/**
 * Booking lifecycle events the booking system sends on the `booking-events` queue. The conversation of a booking is
 * created by them (never by users): its parties are exactly the event's customer and provider.
 */
import { z } from 'zod';
import type { SystemMessageType } from './message.js';
import { IdSchema, IsoDateSchema, UserIdSchema } from './schemas-common.js';

export const BOOKING_EVENT_TYPES = [
  'created',
  'confirmed',
  'provider_en_route',
  'started',
  'completed',
  'cancelled',
] as const;
export type BookingEventType = (typeof BOOKING_EVENT_TYPES)[number];

const PlaceholderValue = z.union([z.string().max(500), z.number(), z.boolean()]);

export const BookingEventSchema = z
  .strictObject({
    eventId: IdSchema.describe('unique per event: a repeated eventId is handled once'),
    type: z.enum(BOOKING_EVENT_TYPES),
    bookingId: IdSchema,
    customerId: UserIdSchema.describe('the customer’s user id (a party of the conversation)'),
    providerId: UserIdSchema.describe('the provider’s user id (the other party)'),
    occurredAt: IsoDateSchema.describe(
      'when it happened at the booking system: an event older than the last one handled changes nothing',
    ),
    templateId: IdSchema.optional().describe(
      'the template whose texts to use; default: the newest active booking template',
    ),
    data: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'placeholder names: letters, digits, _'),
        PlaceholderValue,
      )
      .refine((d) => Object.keys(d).length <= 30, 'at most 30 values')
      .optional()
      .describe('values of the template’s placeholders, e.g. {"customerName": "Ana", "eta": "10 min"}'),
  })
  .refine((e) => e.customerId !== e.providerId, {
    message: 'customerId and providerId must differ',
    path: ['providerId'],
  })
  .describe('BookingEvent');
export type BookingEvent = z.infer<typeof BookingEventSchema>;

/** The booking's state as its conversation remembers it: the newest event handled and the recent event ids. */
export interface BookingState {
  status: BookingEventType;
  lastEventAt: string;
  /** The most recent event ids handled (a bounded list: dedupe of redeliveries, which arrive close together). */
  eventIds: string[];
}

export const BOOKING_EVENT_IDS_KEPT = 50;

export const bookingSystemMessageType = (t: BookingEventType): SystemMessageType => `booking_${t}`;

/** Texts used when no active template has a rule for the event (clients render the typed message anyway). */
export const DEFAULT_BOOKING_TEXTS: Record<BookingEventType, string> = {
  created: 'Booking {bookingId} was created.',
  confirmed: 'Booking {bookingId} is confirmed.',
  provider_en_route: 'Your provider is on the way.',
  started: 'The service has started.',
  completed: 'The service is completed.',
  cancelled: 'Booking {bookingId} was cancelled.',
};

/** Where an event with these facts stands against the state: handled already, older than the state, or new. */
export function bookingEventVerdict(
  state: BookingState | undefined,
  e: Pick<BookingEvent, 'eventId' | 'occurredAt'>,
): 'duplicate' | 'stale' | 'apply' {
  if (!state) return 'apply';
  if (state.eventIds.includes(e.eventId)) return 'duplicate';
  if (Date.parse(e.occurredAt) < Date.parse(state.lastEventAt)) return 'stale';
  return 'apply';
}

/** The state after applying an event (ids bounded, newest first). */
export function nextBookingState(state: BookingState | undefined, e: BookingEvent): BookingState {
  return {
    status: e.type,
    lastEventAt: e.occurredAt,
    eventIds: [e.eventId, ...(state?.eventIds ?? []).filter((id) => id !== e.eventId)].slice(0, BOOKING_EVENT_IDS_KEPT),
  };
}
