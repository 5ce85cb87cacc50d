import type { Telemetry } from '../ports/system.js';

/**
 * Wraps every method of an adapter so each call is reported as an App Insights dependency (duration, success).
 * One thin decorator at the composition root instead of timing code in every adapter.
 */
export function withDependencyTelemetry<T extends object>(
  adapter: T,
  dependency: { type: string; target: string },
  telemetry: Telemetry,
  skip: readonly string[] = ['close'],
): T {
  return new Proxy(adapter, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || skip.includes(prop)) return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        const t0 = performance.now();
        const report = (success: boolean) =>
          telemetry.dependency({ ...dependency, name: prop, durationMs: performance.now() - t0, success });
        let result: unknown;
        try {
          // why obj, not the proxy: adapters use private fields, which only exist on the real instance
          result = method.apply(obj, args);
        } catch (e) {
          report(false);
          throw e;
        }
        if (!(result instanceof Promise)) {
          report(true);
          return result;
        }
        return result.then(
          (v: unknown) => {
            report(true);
            return v;
          },
          (e: unknown) => {
            report(false);
            throw e;
          },
        );
      };
    },
  });
}
