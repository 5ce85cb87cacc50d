import type { z } from 'zod';

/** One server → client invocation on the wire: the event name and its positional arguments. */
export interface WireEvent {
  target: string;
  args: unknown[];
}

/** Event name → schema of its positional arguments (a tuple). */
export type EventTable = Record<string, z.ZodType<unknown[]>>;

/**
 * A typed constructor for a table's events: the arguments must match the event's tuple, so a wrong payload does
 * not compile.
 */
export const emitter =
  <E extends EventTable>(_events: E) =>
  <K extends keyof E & string>(target: K, ...args: Extract<z.input<E[K]>, unknown[]>): WireEvent => ({ target, args });

/** A hub method of a dialect: positional argument tuple and what it answers. */
export interface MethodContract {
  summary: string;
  args: z.ZodType<unknown[]>;
  result?: z.ZodType;
}
