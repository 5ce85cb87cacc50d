import { randomUUID } from 'node:crypto';
import { connectionStringFields } from '../domain/connection-string.js';
import type { DependencyCall, Telemetry } from '../ports/system.js';

type Envelope = Record<string, unknown>;

/** Parses `InstrumentationKey=…;IngestionEndpoint=https://…/` (the App Insights connection string). */
export function parseAppInsightsConnectionString(cs: string): { iKey: string; endpoint: string } {
  const parts = connectionStringFields(cs);
  const iKey = parts.get('instrumentationkey');
  if (!iKey) throw new Error('APPLICATIONINSIGHTS_CONNECTION_STRING has no InstrumentationKey');
  const endpoint = (parts.get('ingestionendpoint') ?? 'https://dc.services.visualstudio.com/').replace(/\/+$/, '');
  return { iKey, endpoint };
}

/**
 * Custom events and metrics straight to the App Insights ingestion API (`/v2/track`), batched; logs and everything
 * else still go to the console, which the Functions host forwards as traces. Same calls as ConsoleTelemetry.
 */
export class AppInsightsTelemetry implements Telemetry {
  private queue: Envelope[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly target: { iKey: string; endpoint: string };

  constructor(
    connectionString: string,
    private readonly console: Telemetry,
    /** role: the cloud role name App Insights groups by (the site name on Azure). */
    private readonly opts: { flushMs?: number; maxBatch?: number; role?: string } = {},
  ) {
    this.target = parseAppInsightsConnectionString(connectionString);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, props?: Record<string, unknown>): void {
    this.console.log(level, message, props);
  }

  event(name: string, props: Record<string, string | number | boolean> = {}): void {
    this.console.event(name, props);
    this.enqueue('Event', { baseType: 'EventData', baseData: { ver: 2, name, properties: stringify(props) } });
  }

  metric(name: string, value: number, props: Record<string, string> = {}): void {
    this.console.metric(name, value, props);
    this.enqueue('Metric', {
      baseType: 'MetricData',
      baseData: { ver: 2, metrics: [{ name, value, count: 1 }], properties: props },
    });
  }

  dependency(call: DependencyCall): void {
    this.console.dependency(call);
    this.enqueue('RemoteDependency', {
      baseType: 'RemoteDependencyData',
      baseData: {
        ver: 2,
        name: call.name,
        id: randomUUID(),
        duration: aiDuration(call.durationMs),
        success: call.success,
        resultCode: call.success ? '0' : '1',
        type: call.type,
        target: call.target,
      },
    });
  }

  private enqueue(kind: string, data: Envelope): void {
    this.queue.push({
      name: `Microsoft.ApplicationInsights.${kind}`,
      time: new Date().toISOString(),
      iKey: this.target.iKey,
      tags: { 'ai.cloud.role': this.opts.role ?? 'chat-backend' },
      data,
    });
    if (this.queue.length >= (this.opts.maxBatch ?? 100)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 2000).unref();
  }

  /** Sends what is queued; failures are logged and dropped (telemetry never fails a request). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    try {
      const res = await fetch(`${this.target.endpoint}/v2/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-json-stream' },
        body: batch.map((e) => JSON.stringify(e)).join('\n'),
      });
      if (!res.ok)
        this.console.log('warn', 'telemetry ingestion refused a batch', { status: res.status, items: batch.length });
    } catch (e) {
      this.console.log('warn', 'telemetry ingestion failed', {
        error: e instanceof Error ? e.message : String(e),
        items: batch.length,
      });
    }
  }
}

const stringify = (props: Record<string, string | number | boolean>): Record<string, string> =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));

/** App Insights duration: d.hh:mm:ss.fff */
function aiDuration(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const d = Math.floor(t / 86_400_000);
  return `${d}.${pad(Math.floor(t / 3_600_000) % 24)}:${pad(Math.floor(t / 60_000) % 60)}:${pad(Math.floor(t / 1000) % 60)}.${pad(t % 1000, 3)}`;
}
