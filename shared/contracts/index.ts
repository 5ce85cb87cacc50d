import type { EventName, HubName } from '../domain/events.js';
import type { Dialect } from './dialects.js';
import { LISTO_EVENTS, listoEvents } from './listo.js';
import { NATIVE_EVENTS, type NativeEvent, parseNative } from './native.js';
import { SPEC_EVENTS, specEvents } from './spec.js';
import type { EventTable, WireEvent } from './wire.js';

/** A dialect: its event tables per hub family and how a native event becomes its events (no business logic). */
interface DialectContract {
  events: Partial<Record<HubName, EventTable>>;
  map(e: NativeEvent): WireEvent[];
}

export const CONTRACTS: Record<Dialect, DialectContract> = {
  native: { events: NATIVE_EVENTS, map: (e) => [{ target: e.target, args: [e.payload] }] },
  listo: { events: LISTO_EVENTS, map: listoEvents },
  spec: { events: SPEC_EVENTS, map: specEvents },
};

/**
 * A pushed native event as a dialect's wire events. The native payload is checked against its schema first: a
 * payload that breaks it cannot be translated, so it is reported instead of being sent half-right.
 */
export function wireEvents(
  dialect: Dialect,
  target: EventName,
  payload: unknown,
): { ok: true; events: WireEvent[] } | { ok: false; error: string } {
  if (dialect === 'native') return { ok: true, events: [{ target, args: [payload] }] };
  const parsed = parseNative(target, payload);
  if (!parsed.ok) return parsed;
  return { ok: true, events: CONTRACTS[dialect].map(parsed.event) };
}

/** Checks wire events against the dialect's schemas (the contract test's check, also used in the push path in tests). */
export function checkWire(dialect: Dialect, family: HubName, event: WireEvent): string | undefined {
  const schema = CONTRACTS[dialect].events[family]?.[event.target];
  if (!schema) return `${dialect}/${family}: ${event.target} is not an event of this contract`;
  const r = schema.safeParse(event.args);
  if (r.success) return undefined;
  return `${dialect}/${family} ${event.target}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
}
