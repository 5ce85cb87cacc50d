import { app, type InvocationContext, trigger } from '@azure/functions';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import type { Push } from '../domain/events.js';
import { LIMITS } from '../domain/limits.js';
import { HUBS, PUSH_OUTPUTS, SIGNALR_CONNECTION_SETTING } from './bindings.js';
import { getRuntime, type Runtime } from './container.js';
import { deliver } from './delivery.js';
import { describeZodError } from './validation.js';

/** What the SignalR trigger hands a Node function (PascalCase, as the extension serializes it). */
const TriggerInputSchema = z.object({
  Arguments: z.array(z.unknown()).nullish(),
  ConnectionId: z.string().min(1),
  UserId: z.string().nullish(),
  Error: z.string().nullish(),
});

export interface HubCall<A> {
  userId: string;
  connectionId: string;
  args: A;
  runtime: Runtime;
  context: InvocationContext;
}

export interface HubReply {
  result?: unknown;
  pushes?: Push[];
}

export interface HubMethodDoc {
  hub: string;
  method: string;
  summary: string;
  args: z.ZodType;
}

export const HUB_METHODS: HubMethodDoc[] = [];

const kebab = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** The hub error text a client's invoke() rejects with. */
function hubError(e: unknown, context: InvocationContext): Error {
  if (e instanceof AppError) {
    return new Error(e.kind === 'rate_limited' ? e.detail : `${e.detail} (${e.code})`);
  }
  context.error('hub method failed', e);
  return new Error(
    'the server failed to handle this call; it was logged. Retrying a SendMessage with the same clientMessageId is safe',
  );
}

function registerTrigger(
  name: string,
  hub: string,
  category: 'messages' | 'connections',
  event: string,
  handler: (input: unknown, context: InvocationContext) => Promise<unknown>,
): void {
  app.generic(name, {
    trigger: trigger.generic({
      type: 'signalRTrigger',
      name: 'invocation',
      hubName: hub,
      category,
      event,
      connectionStringSetting: SIGNALR_CONNECTION_SETTING,
    }),
    extraOutputs: PUSH_OUTPUTS,
    handler,
  });
}

/**
 * Registers a hub method as a SignalR-triggered function. `args` validates the positional arguments as a tuple;
 * the function's return value becomes the invocation's result, a thrown error its hub error.
 */
export function hubMethod<A extends unknown[]>(
  doc: { method: string; summary: string; args: z.ZodType<A>; hub?: string },
  run: (call: HubCall<A>) => Promise<HubReply>,
): void {
  const hub = doc.hub ?? HUBS.messaging;
  HUB_METHODS.push({ hub, method: doc.method, summary: doc.summary, args: doc.args });
  registerTrigger(`hub-${hub}-${kebab(doc.method)}`, hub, 'messages', doc.method, async (input, context) => {
    try {
      const trig = TriggerInputSchema.parse(input);
      if (!trig.UserId)
        throw new AppError(
          'unauthorized',
          'HUB.ANONYMOUS',
          'this connection has no user; negotiate with a bearer token',
        );
      const raw = trig.Arguments ?? [];
      const size = Buffer.byteLength(JSON.stringify(raw));
      if (size > LIMITS.hubMessageBytes)
        throw new AppError(
          'too_large',
          'HUB.TOO_LARGE',
          `arguments are ${size} bytes; the limit is ${LIMITS.hubMessageBytes}`,
        );
      const parsed = doc.args.safeParse(raw);
      if (!parsed.success) {
        throw new AppError(
          'validation',
          'HUB.INVALID_ARGUMENTS',
          `${doc.method}: ${describeZodError(parsed.error, 'arguments').detail}`,
        );
      }
      const runtime = await getRuntime();
      const reply = await run({
        userId: trig.UserId,
        connectionId: trig.ConnectionId,
        args: parsed.data,
        runtime,
        context,
      });
      if (reply.pushes) await deliver(context, runtime, reply.pushes, hub);
      return reply.result ?? null;
    } catch (e) {
      throw hubError(e, context);
    }
  });
}

/** connected / disconnected of a hub. Failures are logged: they must not cut the connection. */
export function hubLifecycle(
  event: 'connected' | 'disconnected',
  run: (call: Omit<HubCall<[]>, 'args'>) => Promise<Push[]>,
  hub: string = HUBS.messaging,
): void {
  registerTrigger(`hub-${hub}-${event}`, hub, 'connections', event, async (input, context) => {
    const trig = TriggerInputSchema.safeParse(input);
    if (!trig.success || !trig.data.UserId) return;
    try {
      const runtime = await getRuntime();
      const pushes = await run({ userId: trig.data.UserId, connectionId: trig.data.ConnectionId, runtime, context });
      await deliver(context, runtime, pushes, hub);
    } catch (e) {
      context.error(`${event} failed`, e);
    }
  });
}
