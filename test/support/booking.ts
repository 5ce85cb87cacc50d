import type { BookingEvent } from '../../shared/domain/booking.js';

let n = 0;

/** A booking event with sensible defaults (a fresh eventId each time). */
export function bookingEvent(over: Partial<BookingEvent> = {}): BookingEvent {
  return {
    eventId: `ev-${++n}-${Math.random().toString(36).slice(2, 8)}`,
    type: 'created',
    bookingId: 'b1',
    customerId: 'cust',
    providerId: 'prov',
    occurredAt: '2026-11-22T09:00:00.000Z',
    ...over,
  };
}
