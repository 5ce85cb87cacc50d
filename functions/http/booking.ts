// The booking-events contract: its JSON Schema (next to the OpenAPI document) and, in dev auth mode, a way to put an
// event on the queue by hand (on Azure the booking system sends to the queue with its own identity).
import { z } from 'zod';
import { BookingEventSchema } from '../../shared/domain/booking.js';
import { AppError } from '../../shared/domain/errors.js';
import { route } from '../../shared/runtime/routes.js';

/** The JSON Schema of a booking event, generated from the zod schema the consumer validates with. */
export const bookingEventJsonSchema = (): Record<string, unknown> => ({
  $id: '/api/schemas/booking-event.json',
  title: 'BookingEvent',
  ...z.toJSONSchema(BookingEventSchema, { io: 'input', unrepresentable: 'any' }),
});

route(
  {
    name: 'booking-event-schema',
    method: 'GET',
    path: 'schemas/booking-event.json',
    auth: false,
    summary: 'JSON Schema of the messages the booking system sends on the booking-events queue',
    response: z
      .looseObject({
        $id: z.string(),
        type: z.literal('object'),
        properties: z.record(z.string(), z.unknown()),
        required: z.array(z.string()),
      })
      .describe('JsonSchema (draft 2020-12) of BookingEvent'),
  },
  () => Promise.resolve({ status: 200, body: bookingEventJsonSchema() }),
);

route(
  {
    name: 'dev-booking-events',
    method: 'POST',
    path: 'dev/queues/booking-events',
    auth: false,
    summary: 'Dev auth only: put a booking event on the booking-events queue (as the booking system would)',
    body: BookingEventSchema,
    response: z.object({ enqueued: z.boolean(), eventId: z.string() }).describe('Enqueued'),
    success: 202,
  },
  async ({ runtime, body }) => {
    if (!runtime.auth.issueDevToken)
      throw new AppError('not_found', 'DEV_AUTH.OFF', 'booking events are only enqueued here when AUTH_MODE=dev');
    await runtime.queue.enqueue([{ queue: 'booking-events', id: `booking:${body.eventId}`, body }]);
    return { status: 202, body: { enqueued: true, eventId: body.eventId } };
  },
);
