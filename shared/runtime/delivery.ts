import type { InvocationContext } from '@azure/functions';
import type { SignalRBindingItem } from '../adapters/signalr/binding-messages.js';
import { toBindingItems } from '../adapters/signalr/binding-messages.js';
import { planDelivery } from '../app/delivery.js';
import { type DialectHub, dialectHub, hubOf } from '../contracts/dialects.js';
import { checkWire, wireEvents } from '../contracts/index.js';
import { AppError } from '../domain/errors.js';
import type { Audience, Push } from '../domain/events.js';
import { HUB_OUTPUTS } from './bindings.js';
import type { Runtime } from './container.js';

// why: under vitest every pushed event is checked against its contract in every enabled dialect (the contract test);
// in production a mismatch is logged and that one event is skipped rather than sent half-right
const STRICT = process.env.VITEST !== undefined;

function items(to: Audience, target: string, args: unknown[]): SignalRBindingItem[] {
  if ('group' in to) return [{ target, arguments: args, groupName: to.group }];
  if ('connection' in to) return [{ target, arguments: args, connectionId: to.connection }];
  return [...new Set(to.users)].map((userId) => ({ target, arguments: args, userId }));
}

/** The hubs a push goes to: a connection's own hub for per-connection pushes, else every enabled dialect's hub. */
function hubsFor(p: Push, runtime: Runtime, origin: DialectHub | undefined): DialectHub[] {
  const family = p.hub ?? 'messaging';
  const perConnection = p.kind === 'group' ? p.connectionId !== undefined : 'connection' in p.to;
  if (perConnection) {
    const own = origin?.family === family ? origin : hubOf('native', family);
    return own ? [own] : [];
  }
  return runtime.settings.clientContracts.flatMap((d) => hubOf(d, family) ?? []);
}

/**
 * A push through the REST API. Its failure comes after the state was saved: the caller learns it as a 503 whose detail
 * says so (a retry with the same clientMessageId is safe), as the output binding's failure fails the invocation.
 */
async function pushed(runtime: Runtime, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (e) {
    runtime.deps.telemetry.log('error', 'realtime push failed', { error: e instanceof Error ? e.message : String(e) });
    throw new AppError(
      'unavailable',
      'REALTIME.PUSH_FAILED',
      'the change was saved but pushing it to connected clients failed; retrying is safe and clients catch up with GET',
      { retryAfterSeconds: 1 },
    );
  }
}

/**
 * Publishes a use case's pushes: each dialect's events on its own hub through the output bindings; through the REST
 * API, events to several users (as audience-group sends) and group sends that leave the caller's connection out (the
 * binding has no `excluded`). `originHub` is the hub of the connection that called, if any.
 *
 * `direct`: events to users and groups go out through the REST API now, awaited in order, instead of through the
 * output binding (which the host flushes after the function returned, in no order across invocations). The hub runtime
 * uses it for calls it runs one at a time per conversation (hub.ts `orderBy`), so one host process pushes a
 * conversation's messages in seq order; across instances clients order by seq.
 */
export async function deliver(
  context: InvocationContext,
  runtime: Runtime,
  pushes: Push[],
  originHub?: string,
  opts: { direct?: boolean } = {},
): Promise<void> {
  if (pushes.length === 0) return;
  // why: small conversations go to each participant by user id, big ones to their group (shared/app/delivery.ts)
  const planned = await planDelivery(runtime.deps, pushes);
  const origin = originHub === undefined ? undefined : dialectHub(originHub);
  const byHub = new Map<string, SignalRBindingItem[]>();
  const add = (hub: string, list: SignalRBindingItem[]) => byHub.set(hub, [...(byHub.get(hub) ?? []), ...list]);
  const problem = (message: string) => {
    if (STRICT) throw new Error(`realtime contract broken: ${message}`);
    runtime.deps.telemetry.log('error', 'realtime contract broken; event skipped', { problem: message });
  };
  for (const p of planned) {
    for (const h of hubsFor(p, runtime, origin)) {
      if (p.kind === 'group') {
        add(h.hub, toBindingItems([p]));
        continue;
      }
      const wire = wireEvents(h.dialect, p.target, p.payload);
      if (!wire.ok) {
        problem(wire.error);
        continue;
      }
      for (const event of wire.events) {
        const broken = STRICT ? checkWire(h.dialect, h.family, event) : undefined;
        if (broken) problem(broken);
        const message = { target: event.target, arguments: event.args };
        const to = p.to;
        if ('users' in to && (opts.direct === true || new Set(to.users).size >= 2)) {
          // why: to several users, one group send once they are in their audience group (audience-groups.ts), where
          // the output binding would make one REST call per user (a read receipt in a group of 10: 10 calls)
          await pushed(runtime, () => runtime.groupSender.sendToUsers(h.hub, [...new Set(to.users)], message));
        } else if (opts.direct === true && 'group' in to && (to.except ?? []).length === 0) {
          await pushed(runtime, () => runtime.groupSender.sendToGroup(h.hub, to.group, message, []));
        } else if ('group' in p.to && p.to.except !== undefined && p.to.except.length > 0) {
          try {
            await runtime.groupSender.sendToGroup(h.hub, p.to.group, message, p.to.except);
          } catch (e) {
            // why: these are typing and receipt hints about durable state; the caller's call has succeeded
            runtime.deps.telemetry.log('warn', 'group send with excluded connections failed', {
              hub: h.hub,
              target: event.target,
              error: e instanceof Error ? e.message : String(e),
            });
          }
        } else add(h.hub, items(p.to, event.target, event.args));
      }
    }
  }
  for (const [hub, list] of byHub) {
    const out = HUB_OUTPUTS.get(hub);
    if (out && list.length > 0) context.extraOutputs.set(out, list);
  }
}
