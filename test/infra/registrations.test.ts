import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  installCoreApi,
  type Registration,
  type RpcBindingInfo,
  registeredFunctions,
} from '../../local/host/core-api.js';
import { decl, INFRA, items, literal, loadInfra, text } from './bicep.js';
import { appSettings, queueSpecs } from './checks.js';

/*
 * The registrations the real Functions host would load (read live: other functions are still being added), checked
 * against what the Bicep deploys and against local.settings.json.example. Nothing here lists the functions.
 */

type Binding = RpcBindingInfo & { fn: string; name: string };

const infra = loadInfra();
const settings = appSettings(infra);
const hubs = items(decl(infra.file('main.bicep'), 'var', 'signalRHubs').value, 'signalRHubs').map((h) =>
  String(literal(h)),
);
const queues = queueSpecs(infra);
const example = JSON.parse(readFileSync(join(INFRA, '..', 'local.settings.json.example'), 'utf8')) as {
  IsEncrypted?: boolean;
  Values: Record<string, string>;
  /** Settings of the schema deliberately left out of Values, each with why. */
  NotSetLocally?: Record<string, string>;
  Host?: { CORS?: string; CORSCredentials?: boolean };
};

/** Default connection setting of each extension when a binding names none. */
const DEFAULT_CONNECTION: Record<string, string> = {
  signalr: 'AzureSignalRConnectionString',
  signalrtrigger: 'AzureSignalRConnectionString',
  signalrconnectioninfo: 'AzureSignalRConnectionString',
  servicebus: 'AzureWebJobsServiceBus',
  servicebustrigger: 'AzureWebJobsServiceBus',
};
/** The identity-based form of a connection the extension accepts instead of a connection string, per extension. */
const IDENTITY_SUFFIX: Record<string, string> = {
  signalr: '__serviceUri',
  signalrtrigger: '__serviceUri',
  signalrconnectioninfo: '__serviceUri',
  servicebus: '__fullyQualifiedNamespace',
  servicebustrigger: '__fullyQualifiedNamespace',
  blob: '__serviceUri',
  blobtrigger: '__serviceUri',
  queue: '__queueServiceUri',
  queuetrigger: '__queueServiceUri',
  cosmosdb: '__accountEndpoint',
  cosmosdbtrigger: '__accountEndpoint',
};

describe('function registrations vs the deployed infrastructure', () => {
  let regs: readonly Registration[] = [];
  let bindings: Binding[] = [];

  beforeAll(async () => {
    // a valid Azure-shaped environment: the app refuses to load with missing settings
    Object.assign(process.env, {
      AUTH_MODE: 'jwks',
      AUTH_JWKS_URI: 'https://login.example.com/keys',
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'api://chat',
      STORE: 'cosmos',
      COSMOS_ENDPOINT: 'https://cosmos.example.com:443/',
      AzureSignalRConnectionString__serviceUri: 'https://sigr.example.com',
      SIGNALR_UPSTREAM_AUDIENCE: 'api://chat',
      SIGNALR_UPSTREAM_ISSUER: 'https://sts.windows.net/t/',
      SIGNALR_UPSTREAM_JWKS_URI: 'https://login.example.com/t/keys',
    });
    installCoreApi();
    await import('../../functions/index.js');
    regs = registeredFunctions();
    bindings = regs.flatMap((r) =>
      Object.entries(r.metadata.bindings).map(([name, b]) => ({ ...b, fn: r.metadata.name, name })),
    );
  });

  const kind = (b: Binding) => String(b.type).toLowerCase();

  it('when the app is loaded as the host loads it, then functions register with their bindings', () => {
    expect(regs.length, 'no function registered: is functions/index.js importing the registrations?').toBeGreaterThan(
      0,
    );
    for (const b of bindings) expect(typeof b.type, `${b.fn}.${b.name}`).toBe('string');
  });

  it('when a binding uses SignalR, then its hub is one the Bicep deploys and forwards upstream', () => {
    const signalR = bindings.filter((b) => kind(b).startsWith('signalr'));
    expect(signalR.length).toBeGreaterThan(0);
    for (const b of signalR)
      expect(
        hubs,
        `${b.fn}.${b.name}: hub ${String(b.hubName)} is not in main.bicep var signalRHubs (upstream hubPattern, outputs)`,
      ).toContain(String(b.hubName));
  });

  it('when SignalR triggers are registered, then each (hub, category, event) is unique, as the extension requires at start', () => {
    const seen = new Map<string, string>();
    for (const b of bindings.filter((x) => kind(x) === 'signalrtrigger')) {
      expect(['messages', 'connections'], `${b.fn}: category`).toContain(b.category);
      if (b.category === 'connections')
        expect(['connected', 'disconnected'], `${b.fn}: connections event`).toContain(b.event);
      const key = `${String(b.hubName)}/${String(b.category)}/${String(b.event)}`.toLowerCase();
      expect(seen.get(key), `${b.fn} and ${seen.get(key)} both handle ${key}`).toBeUndefined();
      seen.set(key, b.fn);
    }
  });

  it('when a binding names a connection setting, then the Bicep produces it (as such or in its identity-based form) and local.settings.json.example lists it', () => {
    for (const b of bindings) {
      const k = kind(b);
      const named = (b.connectionStringSetting ?? b.connection) as string | undefined;
      const setting = named ?? DEFAULT_CONNECTION[k];
      if (!setting) continue;
      const identityForm = `${setting}${IDENTITY_SUFFIX[k] ?? '__serviceUri'}`;
      const direct = settings.get(setting);
      const produced =
        settings.has(identityForm) || (direct?.kind === 'string' && direct.value.startsWith('@Microsoft.KeyVault('));
      expect(
        produced,
        `${b.fn}.${b.name} (${String(b.type)}) uses ${setting}: the Bicep must produce ${identityForm} (identity) or ${setting} as a Key Vault reference`,
      ).toBe(true);
      const listed = setting in example.Values || identityForm in example.Values;
      expect(listed, `${b.fn}.${b.name} uses ${setting}: local.settings.json.example must list it`).toBe(true);
    }
  });

  it('when a binding uses a Service Bus queue, then the Bicep declares it, and the app may send only where it has Data Sender', () => {
    for (const b of bindings.filter((x) => kind(x).startsWith('servicebus'))) {
      const queue = queues.find((q) => q.name === b.queueName);
      expect(
        queue,
        `${b.fn}.${b.name}: queue ${String(b.queueName)} is not declared in modules/servicebus.bicep`,
      ).toBeDefined();
      if (kind(b) === 'servicebus' && b.direction === 'out')
        expect(
          queue!.appSends,
          `${b.fn} sends to ${queue!.name}, where the app has no Data Sender role (appSends: false)`,
        ).toBe(true);
    }
  });

  it('when HTTP triggers are registered, then each (route, method) is unique and none takes a host-reserved route', () => {
    const seen = new Map<string, string>();
    const http = bindings.filter((x) => kind(x) === 'httptrigger');
    expect(http.length).toBeGreaterThan(0);
    for (const b of http) {
      const route = (typeof b.route === 'string' ? b.route : b.fn).toLowerCase().replace(/\{[^}]+\}/g, '{}');
      expect(route, `${b.fn}: routes under admin/ and runtime/ belong to the host`).not.toMatch(
        /^(admin|runtime)(\/|$)/,
      );
      for (const m of (b.methods as string[] | undefined) ?? ['*']) {
        const key = `${m.toUpperCase()} ${route}`;
        expect(seen.get(key), `${b.fn} and ${seen.get(key)} both answer ${key}`).toBeUndefined();
        seen.set(key, b.fn);
      }
    }
  });

  it('when the deployment outputs are read, then the client-facing ones point at what the functions serve', () => {
    const main = infra.file('main.bicep');
    const negotiate = bindings.filter((b) => kind(b) === 'httptrigger' && String(b.route) === 'api/negotiate');
    expect(negotiate.length, 'POST /api/negotiate (API_BASE_URL + /negotiate) is what clients call first').toBe(1);
    expect(text(decl(main, 'output', 'API_BASE_URL').value)).toBe('app.outputs.apiBaseUrl');
    expect(text(decl(infra.file('modules/app.bicep'), 'output', 'apiBaseUrl').value)).toBe(
      'https://${functionApp.outputs.defaultHostName}/api',
    );
    const hostJson = JSON.parse(readFileSync(join(INFRA, '..', 'host.json'), 'utf8')) as {
      extensions?: { http?: { routePrefix?: string } };
    };
    // why: the seed hubs live at /hubs/...; every other route carries api/ itself, so API_BASE_URL is unchanged
    expect(hostJson.extensions?.http?.routePrefix, 'routes carry api/ themselves').toBe('');
    for (const b of bindings.filter((x) => kind(x) === 'httptrigger'))
      expect(String(b.route), `${b.fn}: outside api/ only the seed hubs' negotiate`).toMatch(/^(api\/|hubs\/)/);
  });

  it('when local.settings.json.example is read, then it has the Functions shape, names every setting of the schema, and sets none to an empty value', async () => {
    const { SETTING_NAMES } = await import('../../shared/config/env-schema.js');
    expect(example.IsEncrypted).toBe(false);
    // why: an empty value is not "unset" to the SignalR extension (…__serviceUri: "" makes it look for an identity)
    for (const [name, value] of Object.entries(example.Values)) expect(value, `${name} is empty`).not.toBe('');
    const notSet = Object.keys(example.NotSetLocally ?? {});
    for (const name of SETTING_NAMES)
      expect([...Object.keys(example.Values), ...notSet], `local.settings.json.example lacks ${name}`).toContain(name);
    expect(example.Host?.CORSCredentials, 'the SignalR client negotiates with credentials').toBe(true);
  });
});
