/** Time and identity sources, injected so tests can pin them. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(prefix: string): string;
}

/** Structured logs and App Insights-shaped telemetry, one small port. */
export interface Telemetry {
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, props?: Record<string, unknown>): void;
  event(name: string, props?: Record<string, string | number | boolean>): void;
  metric(name: string, value: number, props?: Record<string, string>): void;
}
