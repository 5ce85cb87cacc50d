import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerDefinitions } from '../../shared/adapters/cosmos/cosmos-setup.js';
import { SETTING_NAMES } from '../../shared/config/settings.js';
import { balanced, bicepFiles, blockAfter, INFRA, moduleCalls, paramsOf, resources, topLevelKeys, valueOf } from './bicep.js';

const files = bicepFiles();
const all = resources(files);
const declared = all.filter((r) => !r.existing);
const text = (path: string): string => files.find((f) => f.path === path)?.text ?? '';

/** Settings of the schema that only make sense on a developer machine. */
const LOCAL_ONLY = new Set(['AUTH_DEV_SECRET', 'COSMOS_KEY', 'COSMOS_ALLOW_SELF_SIGNED', 'AzureSignalRConnectionString']);
/** Settings Azure itself sets. */
const PLATFORM_PROVIDED = new Set(['WEBSITE_SITE_NAME']);
/** Settings the Bicep produces beyond the schema: the Functions platform's and those of consumers still to come. */
const PLATFORM_AND_FUTURE = new Set([
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AZURE_CLIENT_ID',
  'AzureSignalRConnectionString__credential',
  'AzureSignalRConnectionString__clientId',
  'ServiceBusConnection__fullyQualifiedNamespace',
  'ServiceBusConnection__credential',
  'ServiceBusConnection__clientId',
  'ATTACHMENTS_ACCOUNT_URL',
  'ATTACHMENTS_CONTAINER',
]);

function appSettings(): Map<string, string> {
  const settings = declared.find((r) => r.type === 'Microsoft.Web/sites/config');
  if (!settings) throw new Error('no Microsoft.Web/sites/config resource (app settings)');
  const props = blockAfter(settings.body, settings.body.search(/\bproperties\s*:/));
  return new Map(topLevelKeys(props).map((k) => [k, valueOf(props, k) ?? '']));
}

describe('infrastructure (Bicep, parsed: no Bicep compiler can be installed here)', () => {
  it('when the templates are read, then every file is balanced and every module call passes the params it needs, and only those', () => {
    for (const f of files) expect(balanced(f.text), f.path).toBeNull();
    const calls = moduleCalls(files);
    expect(calls.length).toBeGreaterThanOrEqual(9);
    for (const call of calls) {
      const target = files.find((f) => f.path === call.target);
      expect(target, `${call.file}: module ${call.symbol} → ${call.target} does not exist`).toBeDefined();
      const params = paramsOf(target!);
      for (const p of call.params) expect(params.has(p), `${call.file}: ${call.symbol} passes unknown param ${p}`).toBe(true);
      for (const [p, hasDefault] of params) if (!hasDefault) expect(call.params, `${call.file}: ${call.symbol} misses required param ${p}`).toContain(p);
    }
    for (const p of paramsOf(files.find((f) => f.path === 'main.bicep')!).keys()) {
      const parameters = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')).parameters as Record<string, unknown>;
      if (!['retentionDefaultDays'].includes(p)) expect(Object.keys(parameters), `main.parameters.json lacks ${p}`).toContain(p);
    }
  });

  it('when resources are listed, then the whole system is declared', () => {
    const types = new Set(declared.map((r) => r.type));
    for (const t of [
      'Microsoft.Resources/resourceGroups',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
      'Microsoft.Web/sites/config',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
      'Microsoft.SignalRService/signalR',
      'Microsoft.DocumentDB/databaseAccounts',
      'Microsoft.DocumentDB/databaseAccounts/sqlDatabases',
      'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers',
      'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments',
      'Microsoft.Cache/redis',
      'Microsoft.KeyVault/vaults',
      'Microsoft.KeyVault/vaults/secrets',
      'Microsoft.ServiceBus/namespaces',
      'Microsoft.ServiceBus/namespaces/queues',
      'Microsoft.Authorization/roleAssignments',
    ]) {
      expect(types.has(t), `missing resource type ${t}`).toBe(true);
    }
    const plan = declared.find((r) => r.type === 'Microsoft.Web/serverfarms')!;
    expect(plan.body).toMatch(/tier:\s*'FlexConsumption'/);
    const site = declared.find((r) => r.type === 'Microsoft.Web/sites')!;
    expect(site.body).toMatch(/runtime:\s*{\s*name:\s*'node',\s*version:\s*'20'\s*}/);
    expect(site.body).toMatch(/'azd-service-name': 'api'/);
    expect(site.body).toMatch(/keyVaultReferenceIdentity/);
  });

  it('when the app settings are read, then they are exactly the settings schema (minus local-only) plus the listed platform settings', () => {
    const produced = appSettings();
    for (const name of SETTING_NAMES) {
      if (LOCAL_ONLY.has(name) || PLATFORM_PROVIDED.has(name)) continue;
      expect(produced.has(name), `setting ${name} is in shared/config/settings.ts but the Bicep does not produce it`).toBe(true);
    }
    for (const name of produced.keys()) {
      const known = (SETTING_NAMES as string[]).includes(name) || PLATFORM_AND_FUTURE.has(name);
      expect(known, `the Bicep produces ${name}, which is neither in the settings schema nor in the platform list`).toBe(true);
      expect(LOCAL_ONLY.has(name), `${name} is local-only and must not be deployed`).toBe(false);
    }
    expect(produced.get('AUTH_MODE')).toBe("'jwks'");
    expect(produced.get('STORE')).toBe("'cosmos'");
  });

  it('when setting values are read, then no secret is inline and the one unavoidable secret is a Key Vault reference', () => {
    const produced = appSettings();
    for (const [name, value] of produced) {
      expect(value, name).not.toMatch(/AccountKey=|AccessKey=|SharedAccessKey|password=|listKeys\(/i);
    }
    expect(produced.get('REDIS_URL')).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{redisUrlSecretUri\}\)'$/);
    const secret = declared.find((r) => r.type === 'Microsoft.KeyVault/vaults/secrets')!;
    expect(secret.body).toMatch(/rediss:\/\//);
    expect(text('modules/redis.bicep')).toMatch(/enableRbacAuthorization:\s*true/);
  });

  it('when role assignments are read, then each data plane gets its least-privilege role for the app identity', () => {
    const rbac = text('modules/rbac.bicep');
    const expected: Record<string, string> = {
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
      storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
      storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
      serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
      serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
      signalRAppServer: '420fcaa2-552c-430f-98ca-3264be4806c7',
      keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
      monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    };
    const assignments = declared.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    for (const [role, id] of Object.entries(expected)) {
      expect(rbac, `role ${role}`).toContain(`${role}: '${id}'`);
      const uses = assignments.filter((a) => a.body.includes(`roles.${role})`));
      expect(uses.length, `no assignment of ${role}`).toBeGreaterThanOrEqual(1);
      for (const a of uses) expect(a.body, `${a.symbol} must target the app identity`).toMatch(/principalId:\s*appPrincipalId/);
    }
    for (const a of assignments) expect(a.body, `${a.symbol} must be scoped to one resource`).toMatch(/scope:\s*\w+/);
    const cosmosRole = declared.find((r) => r.symbol === 'cosmosData')!;
    expect(cosmosRole.body).toMatch(/sqlRoleDefinitions\/\$\{cosmosDataContributor\}/);
    expect(rbac).toContain("cosmosDataContributor = '00000000-0000-0000-0000-000000000002'");
    expect(rbac, 'no broad roles').not.toMatch(/8e3af657-a8ff-443c-a75c-2fe8c4bcb635|b24988ac-6180-42a0-ab88-20f7382dd24c/);
  });

  it('when Service Bus is read, then the five queues exist with bounded delivery and dead-lettering', () => {
    const sb = text('modules/servicebus.bicep');
    for (const q of ['push-notifications', 'link-previews', 'translations', 'retention', 'booking-events']) {
      expect(sb, `queue ${q}`).toMatch(new RegExp(`name: '${q}', maxDeliveryCount: \\d+`));
    }
    const queue = declared.find((r) => r.type === 'Microsoft.ServiceBus/namespaces/queues')!;
    expect(queue.body).toMatch(/deadLetteringOnMessageExpiration:\s*true/);
    expect(queue.body).toMatch(/maxDeliveryCount:\s*q\.maxDeliveryCount/);
    expect(queue.body).toMatch(/requiresDuplicateDetection/);
    expect(sb).toMatch(/disableLocalAuth:\s*true/);
  });

  it('when storage, Redis, SignalR and Cosmos are read, then they are locked down as documented', () => {
    const storage = text('modules/storage.bicep');
    expect(storage).toMatch(/allowBlobPublicAccess:\s*false/);
    expect(storage).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(storage).toMatch(/name: 'attachments'\s*\n\s*properties: { publicAccess: 'None' }/);
    for (const c of declared.filter((r) => r.type.endsWith('/containers') && r.type.startsWith('Microsoft.Storage'))) expect(c.body).toMatch(/publicAccess:\s*'None'/);
    const redis = declared.find((r) => r.type === 'Microsoft.Cache/redis')!;
    expect(redis.body).toMatch(/enableNonSslPort:\s*false/);
    expect(redis.body).toMatch(/minimumTlsVersion:\s*'1\.2'/);
    const signalR = declared.find((r) => r.type === 'Microsoft.SignalRService/signalR')!;
    expect(signalR.body).toMatch(/flag: 'ServiceMode', value: 'Serverless'/);
    expect(signalR.body).toMatch(/urlTemplate: 'https:\/\/\$\{functionAppHostName\}\/runtime\/webhooks\/signalr'/);
    expect(signalR.body).toMatch(/type: 'ManagedIdentity'/);
    const cosmos = declared.find((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts')!;
    expect(cosmos.body).toMatch(/disableLocalAuth:\s*true/);
    expect(cosmos.body).toMatch(/EnableServerless/);
    expect(existsSync(join(INFRA, 'scripts', 'set-signalr-upstream.sh'))).toBe(true);
    expect(readFileSync(join(INFRA, '..', 'azure.yaml'), 'utf8')).toMatch(/postdeploy:[\s\S]*set-signalr-upstream\.sh/);
  });

  it('when the Cosmos containers are compared with the code, then partition keys, TTL and composite indexes match', () => {
    const defs = containerDefinitions({ conversations: 'conversations', memberships: 'memberships', users: 'users' });
    const containers = declared.filter((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    for (const def of Object.values(defs)) {
      const c = containers.find((x) => x.body.includes(`id: '${def.id}'`));
      expect(c, `container ${def.id} missing`).toBeDefined();
      expect(c!.body).toContain(`paths: ['${(def.partitionKey as { paths: string[] }).paths[0]}']`);
      expect(c!.body).toMatch(/defaultTtl:\s*-1/);
      for (const composite of def.indexingPolicy?.compositeIndexes ?? []) {
        for (const p of composite) expect(c!.body, `${def.id} composite ${p.path}`).toContain(`{ path: '${p.path}', order: '${p.order}' }`);
      }
      for (const ex of def.indexingPolicy?.excludedPaths ?? []) expect(c!.body, `${def.id} excludes ${ex.path}`).toContain(`{ path: '${ex.path}' }`);
    }
  });
});
