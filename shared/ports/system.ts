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
  /** A call to another service (App Insights "dependency"): Redis, Cosmos, SignalR REST, a queue. */
  dependency(call: DependencyCall): void;
}

export interface DependencyCall {
  /** App Insights dependency type, e.g. Redis, Azure DocumentDB, Azure SignalR, Azure Service Bus. */
  type: string;
  /** The service reached (host or logical name). */
  target: string;
  /** The operation, e.g. the port method called. */
  name: string;
  durationMs: number;
  success: boolean;
}
