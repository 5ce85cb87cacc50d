import type { DependencyCall, Telemetry } from '../ports/system.js';

/**
 * Telemetry as one JSON line per record on stdout/stderr. On Azure the Functions host forwards console output to
 * Application Insights traces; locally it is the same shape to read or grep.
 */
export class ConsoleTelemetry implements Telemetry {
  constructor(private readonly minLevel: 'debug' | 'info' | 'warn' | 'error' = 'info') {}

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, props: Record<string, unknown> = {}): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), kind: 'log', level, message, ...props });
    if (level === 'error' || level === 'warn') console.error(line);
    else console.log(line);
  }

  event(name: string, props: Record<string, string | number | boolean> = {}): void {
    if (RANK.info < RANK[this.minLevel]) return;
    console.log(JSON.stringify({ time: new Date().toISOString(), kind: 'event', name, ...props }));
  }

  metric(name: string, value: number, props: Record<string, string> = {}): void {
    if (RANK.info < RANK[this.minLevel]) return;
    console.log(JSON.stringify({ time: new Date().toISOString(), kind: 'metric', name, value, ...props }));
  }

  /** Debug level: one line per call would drown everything else; failures show at warn. */
  dependency(call: DependencyCall): void {
    const level = call.success ? 'debug' : 'warn';
    if (RANK[level] < RANK[this.minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), kind: 'dependency', ...call });
    if (call.success) console.log(line);
    else console.error(line);
  }
}

const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
