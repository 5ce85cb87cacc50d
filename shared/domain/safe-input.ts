import { z } from 'zod';
import { LIMITS } from './limits.js';

// Reusable schemas for input that is otherwise free-form: URLs and JSON objects clients choose.

/** Keys that reach the prototype of a plain object (or its constructor) when used as property names. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * A URL we hand to every participant's app: https only, so `javascript:`, `data:`, `file:` and plain-http URLs never
 * reach a client that might open or embed them.
 */
export const HttpsUrlSchema = z
  .url({ protocol: /^https$/, error: 'must be an https:// URL' })
  .max(LIMITS.urlChars)
  .describe('https:// URL');

/** Depth, size and keys of a JSON value; the first problem, or null. Iterative, so no input can exhaust the stack. */
function jsonProblem(value: unknown, maxDepth: number): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return `is nested deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (PROTOTYPE_KEYS.includes(key)) return `must not use the key "${key}"`;
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return null;
}

/**
 * A free-form JSON object (settings, notification data): at most `maxDepth` levels of nesting and `maxBytes` of JSON,
 * no prototype keys. Checked before anything copies or serializes it.
 */
export function boundedJsonObject(maxDepth: number = LIMITS.jsonDepth, maxBytes: number = LIMITS.jsonBytes) {
  return z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      const problem = jsonProblem(value, maxDepth);
      if (problem !== null) {
        ctx.addIssue({ code: 'custom', message: problem });
        return;
      }
      const bytes = Buffer.byteLength(JSON.stringify(value));
      if (bytes > maxBytes)
        ctx.addIssue({ code: 'custom', message: `is ${bytes} bytes of JSON; the limit is ${maxBytes}` });
    })
    .describe(
      `Free-form JSON object: at most ${maxDepth} levels deep and ${maxBytes} bytes, no __proto__/constructor/prototype keys`,
    );
}
