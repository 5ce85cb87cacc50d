import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCoreApi, registeredFunctions, type Registration } from '../../local/host/core-api.js';
import { bicepFiles, INFRA } from './bicep.js';

/** The function registrations the real host would load, checked against the Bicep and local.settings.json.example. */
describe('function registrations vs infrastructure', () => {
  let regs: Registration[];
  const main = bicepFiles().find((f) => f.path === 'main.bicep')!.text;
  const appSettings = bicepFiles().find((f) => f.path === 'modules/function-app.bicep')!.text;
  const example = JSON.parse(readFileSync(join(INFRA, '..', 'local.settings.json.example'), 'utf8')) as { Values: Record<string, string> };

  beforeAll(async () => {
    Object.assign(process.env, {
      AUTH_MODE: 'jwks',
      AUTH_JWKS_URI: 'https://login.example.com/keys',
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'api://chat',
      STORE: 'cosmos',
      COSMOS_ENDPOINT: 'https://cosmos.example.com:443/',
      AzureSignalRConnectionString__serviceUri: 'https://sigr.example.com',
    });
    installCoreApi();
    await import('../../functions/index.js');
    regs = registeredFunctions();
  });

  const bindings = () => regs.flatMap((r) => Object.entries(r.metadata.bindings).map(([name, b]) => ({ fn: r.metadata.name, name, ...b })));

  it('when functions are registered, then there are HTTP routes, hub methods and lifecycle triggers', () => {
    const types = new Set(bindings().map((b) => String(b.type).toLowerCase()));
    expect(types).toEqual(new Set(['httptrigger', 'http', 'signalr', 'signalrtrigger']));
    expect(regs.length).toBeGreaterThan(50);
  });

  it('when SignalR bindings are read, then every hub is one the Bicep deploys and every connection setting exists in the Bicep and the example settings', () => {
    const hubs = (/SIGNALR_HUB_NAMES string = '([^']+)'/.exec(main)?.[1] ?? '').split(',');
    expect(hubs).toEqual(['messaging', 'notifications']);
    for (const b of bindings().filter((x) => String(x.type).toLowerCase().startsWith('signalr'))) {
      expect(hubs, `${b.fn}.${b.name} hub`).toContain(String(b.hubName));
      const setting = String(b.connectionStringSetting ?? 'AzureSignalRConnectionString');
      expect(appSettings, `${b.fn}: ${setting}__serviceUri must be produced by the Bicep`).toMatch(new RegExp(`^\\s*${setting}__serviceUri:`, 'm'));
      expect(Object.keys(example.Values), `${b.fn}: ${setting} must be in local.settings.json.example`).toContain(setting);
    }
    const triggers = bindings().filter((x) => String(x.type).toLowerCase() === 'signalrtrigger');
    for (const t of triggers) expect(['messages', 'connections'], t.fn).toContain(t.category);
    const events = triggers.filter((t) => t.hubName === 'messaging').map((t) => String(t.event));
    for (const e of ['connected', 'disconnected', 'SendMessage', 'MarkAsRead', 'StartTyping', 'StopTyping', 'JoinConversation', 'LeaveConversation', 'Ping', 'MarkAsDelivered', 'InitiateCall']) {
      expect(events, `hub method ${e}`).toContain(e);
    }
  });

  it('when HTTP triggers are read, then each (route, method) is unique, anonymous at the host and under the documented prefixes', () => {
    const seen = new Set<string>();
    for (const b of bindings().filter((x) => String(x.type).toLowerCase() === 'httptrigger')) {
      expect(b.authLevel, b.fn).toBe('anonymous');
      const route = String(b.route);
      expect(route, b.fn).toMatch(/^(v1\/messaging\/|v1\/notifications|negotiate$|notifications\/negotiate$|dev\/token$|openapi\.json$|health$)/);
      for (const m of b.methods as string[]) {
        const key = `${m} ${route.toLowerCase()}`;
        expect(seen.has(key), `duplicate route ${key}`).toBe(false);
        seen.add(key);
      }
    }
    expect(seen.has('POST negotiate')).toBe(true);
  });

  it('when the example settings are compared with the schema, then every setting is listed', async () => {
    const { SETTING_NAMES } = await import('../../shared/config/settings.js');
    for (const name of SETTING_NAMES) expect(Object.keys(example.Values), `local.settings.json.example lacks ${name}`).toContain(name);
  });
});
