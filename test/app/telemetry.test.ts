import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppInsightsTelemetry, parseAppInsightsConnectionString } from '../../shared/adapters/appinsights-telemetry.js';
import { ConsoleTelemetry } from '../../shared/adapters/console-telemetry.js';

describe('telemetry', () => {
  const received: Record<string, any>[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v2/track') for (const line of body.split('\n')) received.push(JSON.parse(line));
      res.writeHead(status).end('{}');
    });
  });
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('when the connection string is parsed, then key and endpoint come out and a missing key is an error', () => {
    expect(
      parseAppInsightsConnectionString(
        'InstrumentationKey=abc;IngestionEndpoint=https://x.in.applicationinsights.azure.com/',
      ),
    ).toEqual({ iKey: 'abc', endpoint: 'https://x.in.applicationinsights.azure.com' });
    expect(() => parseAppInsightsConnectionString('IngestionEndpoint=https://x/')).toThrow(/InstrumentationKey/);
  });

  it('when events and metrics are tracked, then App Insights envelopes reach the ingestion endpoint in one batch', async () => {
    const t = new AppInsightsTelemetry(
      `InstrumentationKey=key-1;IngestionEndpoint=${endpoint}`,
      new ConsoleTelemetry('error'),
      { flushMs: 60_000 },
    );
    t.event('MessageSent', { type: 'text', conversationType: 'direct' });
    t.metric('RateLimitHit', 1, { bucket: 'send' });
    await t.flush();
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      name: 'Microsoft.ApplicationInsights.Event',
      iKey: 'key-1',
      data: { baseType: 'EventData', baseData: { name: 'MessageSent', properties: { type: 'text' } } },
    });
    expect(received[1]).toMatchObject({
      name: 'Microsoft.ApplicationInsights.Metric',
      data: { baseData: { metrics: [{ name: 'RateLimitHit', value: 1 }] } },
    });
  });

  it('when ingestion fails, then nothing throws and the failure is logged', async () => {
    status = 500;
    const logs: string[] = [];
    const sink = {
      log: (_l: string, m: string) => void logs.push(m),
      event: () => undefined,
      metric: () => undefined,
      dependency: () => undefined,
    };
    const t = new AppInsightsTelemetry(`InstrumentationKey=k;IngestionEndpoint=${endpoint}`, sink, { flushMs: 60_000 });
    t.event('X');
    await expect(t.flush()).resolves.toBeUndefined();
    expect(logs).toContain('telemetry ingestion refused a batch');
  });
});
