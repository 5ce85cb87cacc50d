// Consumer of the booking-events queue (the booking system produces it): booking conversations and their system
// messages. Idempotent (eventId) and order-tolerant (occurredAt): see shared/app/booking-events.ts.
import { handleBookingEvent } from '../../shared/app/booking-events.js';
import { BookingEventSchema } from '../../shared/domain/booking.js';
import { queueConsumer } from '../../shared/runtime/queue-trigger.js';

queueConsumer('booking-events', { queue: 'booking-events', body: BookingEventSchema }, async (call) => {
  const { body, runtime } = call;
  const { result, pushes } = await handleBookingEvent(runtime.deps, body);
  call.log('info', 'booking event handled', {
    eventId: body.eventId,
    type: body.type,
    bookingId: body.bookingId,
    ...result,
  });
  return { pushes };
});
