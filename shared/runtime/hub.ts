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
  Headers: z.record(z.string(), z.string().optional()).nullish(),
});
type TriggerInput = z.infer<typeof TriggerInputSchema>;

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

/**
 * The error a hub method throws: only the documented text, `<message> (<CODE>)`, and no stack.
 *
 * What reaches the client (the behaviour this relies on, modelled by local/host/signalr-extension.ts): the Node
 * worker reports a thrown error as `{message, stackTrace: error.stack}`; the Functions host turns that into an
 * exception whose text is `Result: Failure\nException: <message>\nStack: <stack>`, and the SignalR extension copies
 * the exception text into the Completion's `error` (there is no way for a trigger function to hand the extension an
 * error completion of its own). So the stack is emptied here: a client sees the documented text behind the host's
 * fixed `Result: Failure\nException: ` prefix, never a stack frame or a file path. Unexpected errors are logged
 * with their stack and answered with a fixed text.
 */
export function hubError(e: unknown, log: (message: string, error: unknown) => void): Error {
  const text =
    e instanceof AppError
      ? e.kind === 'rate_limited'
        ? e.detail
        : `${e.detail} (${e.code})`
      : 'the server failed to handle this call; it was logged. Retrying a SendMessage with the same clientMessageId is safe (SERVER.ERROR)';
  if (!(e instanceof AppError)) log('hub method failed', e);
  const error = new Error(text);
  error.stack = '';
  return error;
}

/** Calls of one key (a conversation) run one at a time in this process, in arrival order. */
const turns = new Map<string, Promise<void>>();
async function inTurn<T>(key: string, run: () => Promise<T>): Promise<T> {
  const previous = turns.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  turns.set(key, tail);
  await previous;
  try {
    return await run();
  } finally {
    release();
    if (turns.get(key) === tail) turns.delete(key);
  }
}

/** Refuses calls that do not come from our SignalR Service (signature with a key, bearer token with identity). */
async function authenticUpstream(runtime: Runtime, trig: TriggerInput): Promise<void> {
  await runtime.upstream.verify(trig.Headers ?? {}, trig.ConnectionId);
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
  doc: {
    method: string;
    summary: string;
    args: z.ZodType<A>;
    hub?: string;
    /**
     * Calls with the same key (a conversation id) run one at a time in this process and push their events directly,
     * awaited: the seq a call takes and the order its events reach clients agree (delivery.ts `direct`).
     */
    orderBy?: (args: A) => string;
  },
  run: (call: HubCall<A>) => Promise<HubReply>,
): void {
  const hub = doc.hub ?? HUBS.messaging;
  HUB_METHODS.push({ hub, method: doc.method, summary: doc.summary, args: doc.args });
  registerTrigger(`hub-${hub}-${kebab(doc.method)}`, hub, 'messages', doc.method, async (input, context) => {
    try {
      const trig = TriggerInputSchema.parse(input);
      const runtime = await getRuntime();
      await authenticUpstream(runtime, trig);
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
      const userId = trig.UserId;
      const call = async () => {
        const reply = await run({ userId, connectionId: trig.ConnectionId, args: parsed.data, runtime, context });
        if (reply.pushes) await deliver(context, runtime, reply.pushes, hub, { direct: doc.orderBy !== undefined });
        return reply.result ?? null;
      };
      return doc.orderBy === undefined ? await call() : await inTurn(doc.orderBy(parsed.data), call);
    } catch (e) {
      throw hubError(e, (m, err) => context.error(m, err));
    }
  });
}

/**
 * connected / disconnected of a hub. A call that is not from our SignalR Service fails (connected → 403); other
 * failures are logged: they must not cut the connection.
 */
export function hubLifecycle(
  event: 'connected' | 'disconnected',
  run: (call: Omit<HubCall<[]>, 'args'>) => Promise<Push[]>,
  hub: string = HUBS.messaging,
): void {
  registerTrigger(`hub-${hub}-${event}`, hub, 'connections', event, async (input, context) => {
    const trig = TriggerInputSchema.safeParse(input);
    if (!trig.success) return;
    const runtime = await getRuntime();
    try {
      await authenticUpstream(runtime, trig.data);
    } catch (e) {
      throw hubError(e, (m, err) => context.error(m, err));
    }
    // why: an App Insights metric per hub; its sum over a window is the change in active connections
    runtime.deps.telemetry.metric('ActiveConnections', event === 'connected' ? 1 : -1, { hub });
    if (!trig.data.UserId) return;
    try {
      const pushes = await run({ userId: trig.data.UserId, connectionId: trig.data.ConnectionId, runtime, context });
      await deliver(context, runtime, pushes, hub);
    } catch (e) {
      context.error(`${event} failed`, e);
    }
  });
}
