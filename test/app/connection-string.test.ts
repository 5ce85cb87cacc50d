import { describe, expect, it } from 'vitest';
import { parseAppInsightsConnectionString } from '../../shared/adapters/appinsights-telemetry.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import { connectionStringFields } from '../../shared/domain/connection-string.js';

describe('connection strings', () => {
  it('when a connection string is read, then keys are case-insensitive, values keep their "=" and junk is skipped', () => {
    expect([...connectionStringFields(' Endpoint = https://x ;AccessKey=abc==;;junk;=nokey;Version=1.0;')]).toEqual([
      ['endpoint', 'https://x'],
      ['accesskey', 'abc=='],
      ['version', '1.0'],
    ]);
  });

  it('when the SignalR and App Insights strings are parsed, then both read the same fields the same way', () => {
    expect(parseSignalRConnectionString('endpoint=http://127.0.0.1;PORT=8888;accesskey=k=;Version=1.0;')).toEqual({
      endpoint: 'http://127.0.0.1:8888',
      clientEndpoint: 'http://127.0.0.1:8888',
      audienceBase: 'http://127.0.0.1/',
      accessKey: 'k=',
    });
    expect(parseSignalRConnectionString('Endpoint=https://s.service.signalr.net;AuthType=azure.msi;').accessKey).toBe(
      undefined,
    );
    expect(parseAppInsightsConnectionString('instrumentationkey=abc;')).toEqual({
      iKey: 'abc',
      endpoint: 'https://dc.services.visualstudio.com',
    });
  });
});
