import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../shared/config/env-schema.js';
import { at, INFRA, type Infra, literal, loadInfra, parseBicep, text } from './bicep.js';
import {
  appSettings,
  checkGrants,
  checkKeyUse,
  checkModuleCalls,
  checkQueues,
  checkSettings,
  checkSettingValues,
  hostKeySecretName,
  roleAssignments,
  type SettingLists,
} from './checks.js';
import {
  EXPECTED_GRANTS,
  KEY_VAULT_REFERENCED,
  LOCAL_ONLY,
  PLATFORM_AND_FUTURE,
  PLATFORM_PROVIDED,
  REQUIRED_QUEUES,
} from './lists.js';

/** The real templates with one file's text changed: the checks must catch each break, naming what broke. */
function broken(path: string, from: string | RegExp, to: string): Infra {
  const original = readFileSync(join(INFRA, path), 'utf8');
  const changed = original.replace(from, to);
  if (changed === original) throw new Error(`mutation of ${path} did not apply: ${String(from)}`);
  return loadInfra(INFRA, { [path]: changed });
}

const lists: SettingLists = {
  schema: SETTING_NAMES,
  localOnly: LOCAL_ONLY,
  platformProvided: PLATFORM_PROVIDED,
  platformAndFuture: PLATFORM_AND_FUTURE,
};

describe('the Bicep reader', () => {
  it('when a template uses objects, arrays, loops, conditions, interpolation and ternaries, then it reads them as trees', () => {
    const f = parseBicep(
      'x.bicep',
      [
        "@description('a name')",
        'param name string',
        "param mode 'a' | 'b' = 'a'",
        "var items = [ { name: 'q1', n: 3 }, { name: 'q2', n: 5 } ]",
        "resource r 'Microsoft.X/y@2024-01-01' = if (mode == 'a') {",
        "  name: 'r-${name}'",
        "  properties: { list: [for i in items: i.name], pick: empty(name) ? { type: 'None' } : { type: 'Id' }, 'odd-key': -1 }",
        '}',
        "output o string = r.properties['x']",
      ].join('\n'),
    );
    expect(f.decls.map((d) => `${d.keyword} ${d.name}`)).toEqual([
      'param name',
      'param mode',
      'var items',
      'resource r',
      'output o',
    ]);
    const r = f.decls[3]!;
    expect([r.type, r.apiVersion, r.value?.kind]).toEqual(['Microsoft.X/y', '2024-01-01', 'if']);
    expect(text(at(r.value, 'name'))).toBe('r-${name}');
    expect(at(r.value, 'properties.list')?.kind).toBe('for');
    expect(text(at(r.value, 'properties.pick'))).toBe('empty(name) ? {…} : {…}');
    expect(literal(at(r.value, 'properties.odd-key'))).toBe(-1);
    expect(literal(at(f.decls[2]!.value, '1.n'))).toBe(5);
    expect(f.decls[0]!.decorators).toEqual(["description('a name')"]);
  });

  it.each([
    ['an unclosed object', 'var x = {\n  a: 1\n', /unclosed \{/],
    ['an unterminated string', "var x = 'abc\n", /unterminated string/],
    ['a property without a colon', 'var x = {\n  a 1\n}', /expected ":"/],
    [
      'two properties on one line without a comma',
      'var x = { a: 1 b: 2 }',
      /expected an operator or a new line before "b"/,
    ],
    ['a colon outside an object', "var x = a : 'b'", /":" without "\?"/],
    ['an unknown keyword', 'vra x = 1', /unsupported top-level keyword "vra"/],
    ['a resource type without an API version', "resource r 'Microsoft.X/y' = {\n}", /has no @api-version/],
    ['a stray closing bracket', 'var x = f(1))', /expected end of line/],
    ['a duplicate property', 'var x = {\n  a: 1\n  a: 2\n}', /duplicate property a/],
  ])('when a template has %s, then reading it fails with the line', (_what, src, error) => {
    expect(() => parseBicep('bad.bicep', src)).toThrow(error);
    expect(() => parseBicep('bad.bicep', src)).toThrow(/^bad\.bicep:\d+: /);
  });

  it('when a .bicep file is not reached from main.bicep, then loading fails naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-'));
    mkdirSync(join(dir, 'modules'));
    writeFileSync(join(dir, 'main.bicep'), "module m 'modules/a.bicep' = {\n  name: 'a'\n}\n");
    writeFileSync(join(dir, 'modules', 'a.bicep'), 'param x int = 1\n');
    writeFileSync(join(dir, 'modules', 'forgotten.bicep'), 'param y int = 1\n');
    expect(() => loadInfra(dir)).toThrow(/no module reaches: modules\/forgotten\.bicep/);
  });

  it('when the Functions host names a key secret, then non-alphanumerics become -<code> as in KeyVaultSecretsRepository.Normalize', () => {
    expect(hostKeySecretName('host--systemKey--', 'signalr_extension')).toBe('host--systemKey--signalr-095extension');
    expect(hostKeySecretName('host--masterKey--', 'master')).toBe('host--masterKey--master');
  });
});

describe('the infra checks catch broken templates (mutations of the real files)', () => {
  it('when a schema setting is dropped from the Bicep, or the code adds one the Bicep lacks, then the settings check names it', () => {
    const dropped = broken('modules/function-app.bicep', /^ {2}LOG_LEVEL: logLevel\n/m, '');
    expect(checkSettings(appSettings(dropped).keys(), lists)).toEqual([
      expect.stringMatching(/^setting LOG_LEVEL is in shared\/config\/settings\.ts but the Bicep does not produce it/),
    ]);
    const produced = appSettings(loadInfra()).keys();
    expect(checkSettings(produced, { ...lists, schema: [...SETTING_NAMES, 'NEW_FEATURE_FLAG'] })).toEqual([
      expect.stringMatching(/^setting NEW_FEATURE_FLAG is in shared\/config/),
    ]);
  });

  it('when the Bicep deploys a local-only, platform-provided or unlisted setting, then the settings check names it', () => {
    const extra = broken(
      'modules/function-app.bicep',
      /^ {2}LOG_LEVEL: logLevel$/m,
      "  LOG_LEVEL: logLevel\n  COSMOS_KEY: 'x'\n  WEBSITE_SITE_NAME: 'x'\n  SOMETHING_NEW: 'x'",
    );
    expect(checkSettings(appSettings(extra).keys(), lists)).toEqual([
      'setting COSMOS_KEY is local-only and must not be deployed',
      'setting WEBSITE_SITE_NAME is set by the platform; the Bicep must not set it',
      expect.stringMatching(/^the Bicep produces SOMETHING_NEW, which is neither/),
    ]);
  });

  it('when a secret is inlined or a key is read into a setting, then the value checks name the setting', () => {
    const inline = broken('modules/function-app.bicep', /^ {2}REDIS_URL: redisUrl$/m, "  REDIS_URL: 'plain'");
    expect(checkSettingValues(appSettings(inline), ['REDIS_URL'])).toEqual([
      expect.stringMatching(/^setting REDIS_URL must be a Key Vault reference/),
    ]);
    const keyed = broken('modules/function-app.bicep', /^ {2}LOG_LEVEL: logLevel$/m, "  LOG_LEVEL: 'AccountKey=abc'");
    expect(checkSettingValues(appSettings(keyed), KEY_VAULT_REFERENCED)).toEqual([
      expect.stringMatching(/^setting LOG_LEVEL looks like it holds a secret/),
    ]);
    const computed = broken(
      'modules/function-app.bicep',
      /^ {2}LOG_LEVEL: logLevel$/m,
      '  LOG_LEVEL: cosmos.listKeys().primaryMasterKey',
    );
    expect(checkSettingValues(appSettings(computed), KEY_VAULT_REFERENCED)).toEqual([
      expect.stringMatching(/^setting LOG_LEVEL is computed from a key/),
    ]);
    const listed = broken(
      'modules/redis.bicep',
      /^output redisUrl string = (.*)$/m,
      'output redisUrl string = $1\noutput leak string = redis.listKeys().primaryKey',
    );
    expect(checkKeyUse(listed)).toEqual([
      'modules/redis.bicep: output leak reads keys (listKeys); only Key Vault secrets may',
    ]);
  });

  const expected = (infra: Infra) => {
    const { grants, problems } = roleAssignments(infra);
    return [...problems, ...checkGrants(grants, EXPECTED_GRANTS)];
  };

  it('when a role is swapped for a broad one, dropped, or widened in scope, then the role check names the assignment', () => {
    expect(expected(loadInfra())).toEqual([]);
    const contributor = broken(
      'modules/rbac.bicep',
      "signalRRestApiOwner: 'fd53cd77-2268-407a-8f46-7e7863d0f521'",
      "signalRRestApiOwner: 'b24988ac-6180-42a0-ab88-20f7382dd24c'",
    );
    expect(expected(contributor)).toEqual([
      'modules/rbac.bicep: signalRRestApi: role b24988ac-6180-42a0-ab88-20f7382dd24c is not one of the expected built-in roles',
      'appPrincipalId lacks SignalR REST API Owner on a Microsoft.SignalRService/signalR',
    ]);
    const dropped = broken('modules/rbac.bicep', /resource signalRRestApi [\s\S]*?\n}\n/, '');
    expect(expected(dropped)).toEqual([
      'appPrincipalId lacks SignalR REST API Owner on a Microsoft.SignalRService/signalR',
    ]);
    const widened = broken(
      'modules/host-keys.bicep',
      /(resource signalRReader [\s\S]*?)scope: signalRKeySecret/,
      '$1scope: vault',
    );
    expect(expected(widened)).toEqual([
      'signalRPrincipalId lacks Key Vault Secrets User on a Microsoft.KeyVault/vaults/secrets',
      'modules/host-keys.bicep: signalRReader grants Key Vault Secrets User on a Microsoft.KeyVault/vaults to signalRPrincipalId: more than least privilege',
    ]);
    const stranger = broken(
      'modules/rbac.bicep',
      /(resource telemetry [\s\S]*?)principalId: appPrincipalId/,
      '$1principalId: developerPrincipalId',
    );
    expect(expected(stranger)).toContain(
      'modules/rbac.bicep: telemetry grants Monitoring Metrics Publisher to developerPrincipalId, which is none of the expected principals',
    );
  });

  it('when a queue loses dead-lettering, a delivery bound or its declaration, then the queue check names it', () => {
    expect(checkQueues(loadInfra(), REQUIRED_QUEUES)).toEqual([]);
    const noDlq = broken(
      'modules/servicebus.bicep',
      'deadLetteringOnMessageExpiration: true',
      'deadLetteringOnMessageExpiration: false',
    );
    expect(checkQueues(noDlq, REQUIRED_QUEUES)).toEqual([
      expect.stringMatching(/deadLetteringOnMessageExpiration: true/),
    ]);
    const unbounded = broken(
      'modules/servicebus.bicep',
      "name: 'translations', maxDeliveryCount: 3",
      "name: 'translations', maxDeliveryCount: 0",
    );
    expect(checkQueues(unbounded, REQUIRED_QUEUES)).toEqual([
      expect.stringMatching(/^queue translations: maxDeliveryCount must be 1–20/),
    ]);
    const missing = broken('modules/servicebus.bicep', /^ {2}\{ name: 'retention'.*\n/m, '');
    expect(checkQueues(missing, REQUIRED_QUEUES)).toEqual(['queue retention is not declared']);
    const hardcoded = broken(
      'modules/servicebus.bicep',
      'maxDeliveryCount: q.maxDeliveryCount',
      'maxDeliveryCount: 2000',
    );
    expect(checkQueues(hardcoded, REQUIRED_QUEUES)).toEqual([
      'servicebus.bicep: queue property maxDeliveryCount must be q.maxDeliveryCount, found 2000',
    ]);
  });

  it('when a module call passes an unknown param or misses a required one, then the module check names both', () => {
    const wrong = broken(
      'modules/app.bicep',
      'params: { location: location, tags: tags, token: token }\n}\n\nmodule storage',
      'params: { location: location, tags: tags, tokn: token }\n}\n\nmodule storage',
    );
    expect(checkModuleCalls(wrong)).toEqual([
      'modules/app.bicep: module monitoring passes tokn, which modules/monitoring.bicep does not declare',
      'modules/app.bicep: module monitoring does not pass token, which modules/monitoring.bicep requires',
    ]);
  });

  it('when the SignalR upstream is read from a broken copy, then the URL is no longer the webhook with a Key Vault key', () => {
    const plain = broken(
      'modules/signalr.bicep',
      /\?code=\{@Microsoft\.KeyVault\(SecretUri=\$\{upstreamKeySecretUri\}\)\}/,
      '',
    );
    const signalR = plain.resources.find((r) => r.type === 'Microsoft.SignalRService/signalR')!;
    expect(text(at(signalR.value, 'properties.upstream.templates.0.urlTemplate'))).toBe(
      'https://${functionAppHostName}/runtime/webhooks/signalr',
    );
  });
});
