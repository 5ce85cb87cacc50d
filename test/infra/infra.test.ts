import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerDefinitions } from '../../shared/adapters/cosmos/cosmos-setup.js';
import { SETTING_NAMES } from '../../shared/config/env-schema.js';
import { DIALECT_HUBS } from '../../shared/contracts/dialects.js';
import { at, decl, INFRA, items, literal, loadInfra, type Node, props, text } from './bicep.js';
import {
  appSettings,
  argumentOf,
  COSMOS_DATA_CONTRIBUTOR,
  checkGrants,
  checkKeyUse,
  checkModuleCalls,
  checkParametersFile,
  checkQueues,
  checkResourceTypes,
  checkSettings,
  checkSettingValues,
  hostKeySecretName,
  queueSpecs,
  resolve,
  roleAssignments,
} from './checks.js';
import {
  EXPECTED_GRANTS,
  KEY_VAULT_REFERENCED,
  LOCAL_ONLY,
  PLATFORM_AND_FUTURE,
  PLATFORM_PROVIDED,
  REQUIRED_QUEUES,
} from './lists.js';

/*
 * No Bicep compiler can be obtained on this machine (az bicep and bicep-node download binaries), so these tests read
 * the templates with test/infra/bicep.ts and check what a compile cannot: that the system is whole, least-privilege,
 * keyless and in step with the code (settings schema, Cosmos containers, queries).
 */

const infra = loadInfra();
const main = infra.file('main.bicep');
const declared = (type: string) => infra.resources.filter((r) => r.type === type && !r.existing);
const one = (type: string) => {
  const all = declared(type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
};
const flagValue = (features: Node | undefined, flag: string) =>
  items(features, 'features')
    .map((f) => props(f, 'feature'))
    .find((p) => literal(p.flag) === flag)?.value;

describe('infrastructure templates (parsed: no Bicep compiler can be obtained here)', () => {
  it('when every file is parsed, then each module call passes exactly the params its module declares, and main.parameters.json maps main.bicep', () => {
    expect(infra.files.length).toBeGreaterThanOrEqual(10);
    expect(checkModuleCalls(infra)).toEqual([]);
    const parameters = JSON.parse(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value?: unknown }>;
    };
    expect(checkParametersFile(main, parameters)).toEqual([]);
    expect(literal(decl(main, 'targetScope', 'targetScope').value)).toBe('subscription');
  });

  it('when resources are listed, then the whole system is declared, each with a pinned API version', () => {
    expect(
      checkResourceTypes(infra, [
        'Microsoft.Resources/resourceGroups',
        'Microsoft.ManagedIdentity/userAssignedIdentities',
        'Microsoft.Web/serverfarms',
        'Microsoft.Web/sites',
        'Microsoft.Web/sites/config',
        'Microsoft.Storage/storageAccounts',
        'Microsoft.Storage/storageAccounts/blobServices',
        'Microsoft.Storage/storageAccounts/blobServices/containers',
        'Microsoft.OperationalInsights/workspaces',
        'Microsoft.Insights/components',
        'Microsoft.SignalRService/signalR',
        'Microsoft.DocumentDB/databaseAccounts',
        'Microsoft.DocumentDB/databaseAccounts/sqlDatabases',
        'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers',
        'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments',
        'Microsoft.Cache/redisEnterprise',
        'Microsoft.Cache/redisEnterprise/databases',
        'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments',
        'Microsoft.KeyVault/vaults',
        'Microsoft.KeyVault/vaults/secrets',
        'Microsoft.ServiceBus/namespaces',
        'Microsoft.ServiceBus/namespaces/queues',
        'Microsoft.Authorization/roleAssignments',
        'Microsoft.Security/defenderForStorageSettings',
      ]),
    ).toEqual([]);
    // why: Defender for Storage's per-account settings (malware scanning on upload) have only preview API versions
    const previewOnly = new Set(['Microsoft.Security/defenderForStorageSettings']);
    for (const r of infra.resources)
      expect(r.apiVersion, `${r.file.path}: ${r.name}`).toMatch(
        previewOnly.has(r.type) ? /^\d{4}-\d{2}-\d{2}(-preview)?$/ : /^\d{4}-\d{2}-\d{2}$/,
      );
  });

  it('when the function app is read, then it is Flex Consumption (FC1), Node 22, deployed from blob storage with the identity, and tagged for azd', () => {
    const plan = one('Microsoft.Web/serverfarms');
    expect(literal(at(plan.value, 'sku.name')), 'plan sku').toBe('FC1');
    expect(literal(at(plan.value, 'sku.tier')), 'plan tier').toBe('FlexConsumption');
    const site = one('Microsoft.Web/sites');
    expect(literal(at(site.value, 'kind'))).toBe('functionapp,linux');
    expect(literal(at(site.value, 'properties.functionAppConfig.runtime.name'))).toBe('node');
    // Node 20 is past end of life on Azure Functions; the code still runs on 20 locally (engines >=20, CI on 20)
    expect(literal(at(site.value, 'properties.functionAppConfig.runtime.version'))).toBe('22');
    const pkgEngines = JSON.parse(readFileSync(join(INFRA, '..', 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkgEngines.engines.node).toBe('>=20');
    expect(literal(at(site.value, 'properties.functionAppConfig.deployment.storage.type'))).toBe('blobContainer');
    expect(literal(at(site.value, 'properties.functionAppConfig.deployment.storage.authentication.type'))).toBe(
      'UserAssignedIdentity',
    );
    expect(text(at(site.value, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount'))).toBe(
      'maximumInstanceCount',
    );
    expect(literal(at(site.value, 'properties.httpsOnly'))).toBe(true);
    const tags = at(site.value, 'tags');
    const tagObjects = tags?.kind === 'expr' ? tags.nested : [tags];
    expect(
      tagObjects.some((t) => literal(at(t, 'azd-service-name')) === 'api'),
      'azd finds the app by the tag azd-service-name: api',
    ).toBe(true);
    expect(literal(at(site.value, 'identity.type'))).toBe('UserAssigned');
    expect(argumentOf(infra, 'modules/function-app.bicep', 'identityId')).toEqual(['identity.id']);
    const maxInstances = decl(main, 'param', 'maximumInstanceCount');
    expect(maxInstances.decorators, 'Flex Consumption: the lowest maximum instance count is 40').toContain(
      'minValue(40)',
    );
    const azureYaml = readFileSync(join(INFRA, '..', 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}host: function$/m);
    expect(azureYaml).toMatch(/^ {4}language: ts$/m);
    expect(azureYaml).toMatch(/^ {4}project: \.$/m);
    const pkg = JSON.parse(readFileSync(join(INFRA, '..', 'package.json'), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.main, 'the Functions host loads package.json main').toBe('dist/functions/index.js');
    expect(pkg.scripts.build, 'azd runs npm run build').toBeDefined();
  });

  it('when the app settings are read, then they are exactly the settings schema (minus local-only and platform-provided) plus the listed platform/future settings', () => {
    const settings = appSettings(infra);
    expect(
      checkSettings(settings.keys(), {
        schema: SETTING_NAMES,
        localOnly: LOCAL_ONLY,
        platformProvided: PLATFORM_PROVIDED,
        platformAndFuture: PLATFORM_AND_FUTURE,
      }),
    ).toEqual([]);
    expect(literal(settings.get('STORE'))).toBe('cosmos');
    expect(literal(settings.get('AUTH_MODE'))).toBe('jwks');
    expect(settings.has('COSMOS_KEY'), 'no COSMOS_KEY: Cosmos is reached with the managed identity').toBe(false);
    expect(literal(settings.get('AzureSignalRConnectionString__credential'))).toBe('managedidentity');
    expect(literal(settings.get('AzureWebJobsStorage__credential'))).toBe('managedidentity');
    expect(literal(settings.get('ServiceBusConnection__credential'))).toBe('managedidentity');
    for (const banned of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_RUN_FROM_PACKAGE',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
      'AzureWebJobsStorage',
    ]) {
      expect(settings.has(banned), `${banned} must not be set on Flex Consumption (or carries a key)`).toBe(false);
    }
  });

  it('when setting values are read, then none holds a secret or a key; Redis is reached with Entra ID, not a key', () => {
    const settings = appSettings(infra);
    expect(checkSettingValues(settings, KEY_VAULT_REFERENCED)).toEqual([]);
    expect(checkKeyUse(infra)).toEqual([]);
    expect(text(settings.get('REDIS_URL'))).toBe('redisUrl');
    expect(literal(settings.get('REDIS_AUTH'))).toBe('entra');
    expect(argumentOf(infra, 'modules/function-app.bicep', 'redisUrl')).toEqual(['redis.outputs.redisUrl']);
    const redisUrl = infra
      .file('modules/redis.bicep')
      .decls.find((d) => d.keyword === 'output' && d.name === 'redisUrl');
    expect(text(redisUrl?.value), 'TLS, port 10000, no password').toBe(
      'rediss://${redis.properties.hostName}:${database.properties.port}',
    );
    expect(
      infra.resources.some(
        (r) => r.type === 'Microsoft.KeyVault/vaults/secrets' && literal(at(r.value, 'name')) === 'redis-url',
      ),
      'no Redis secret any more',
    ).toBe(false);
    for (const v of declared('Microsoft.KeyVault/vaults')) {
      expect(
        literal(at(v.value, 'properties.enableRbacAuthorization')),
        `${v.file.path}: ${v.name} uses RBAC, not access policies`,
      ).toBe(true);
    }
  });

  it('when role assignments are read, then each principal holds exactly its least-privilege built-in roles, scoped to one resource', () => {
    const { grants, problems } = roleAssignments(infra);
    expect(problems).toEqual([]);
    expect(checkGrants(grants, EXPECTED_GRANTS)).toEqual([]);
    for (const g of grants.filter((x) => x.principal === 'deployerPrincipalId'))
      expect(g.conditional, `${g.symbol} only when azd knows the deployer`).toBe(true);
    // the principals are the identities the resources run as
    for (const target of ['modules/rbac.bicep', 'modules/host-keys.bicep'])
      expect(argumentOf(infra, target, 'appPrincipalId'), target).toEqual(['identity.properties.principalId']);
    expect(argumentOf(infra, 'modules/host-keys.bicep', 'signalRPrincipalId')).toEqual([
      'signalRIdentity.properties.principalId',
    ]);
    expect(argumentOf(infra, 'modules/signalr.bicep', 'identityId')).toEqual(['signalRIdentity.id']);
    // Cosmos: the data-plane role of the account, for the app identity
    const cosmosRoles = declared('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    const forApp = cosmosRoles.filter((r) => text(at(r.value, 'properties.principalId')) === 'appPrincipalId');
    expect(forApp.length, 'one Cosmos data role for the app').toBe(1);
    expect(text(at(forApp[0]!.value, 'properties.roleDefinitionId'))).toBe(
      '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}',
    );
    expect(literal(decl(forApp[0]!.file, 'var', 'cosmosDataContributor').value)).toBe(COSMOS_DATA_CONTRIBUTOR);
    for (const r of cosmosRoles.filter((x) => x !== forApp[0])) expect(r.value?.kind, `${r.name} is opt-in`).toBe('if');
  });

  it('when Service Bus is read, then the six queues exist with bounded delivery, dead-lettering on expiry and duplicate detection where a retry would show', () => {
    expect(checkQueues(infra, REQUIRED_QUEUES)).toEqual([]);
    const specs = queueSpecs(infra);
    expect(
      specs.find((q) => q.name === 'push-notifications')?.duplicateDetection,
      'a retried push must not reach the phone twice',
    ).toBe(true);
    expect(
      specs.find((q) => q.name === 'booking-events')?.appSends,
      'the booking system produces booking-events; the app only receives',
    ).toBe(false);
    expect(argumentOf(infra, 'modules/rbac.bicep', 'sendQueues')).toEqual(['serviceBus.outputs.sendQueueNames']);
    expect(argumentOf(infra, 'modules/rbac.bicep', 'receiveQueues')).toEqual(['serviceBus.outputs.queueNames']);
  });

  it('when storage is read, then no account allows public blobs or shared keys, every container is private, and attachments exist', () => {
    const storage = infra.file('modules/storage.bicep');
    for (const acct of declared('Microsoft.Storage/storageAccounts')) {
      const p = props(resolve(acct.file, at(acct.value, 'properties')), `${acct.name}.properties`);
      expect(literal(p.allowBlobPublicAccess), `${acct.name}: allowBlobPublicAccess`).toBe(false);
      expect(literal(p.allowSharedKeyAccess), `${acct.name}: allowSharedKeyAccess (identity only)`).toBe(false);
      expect(literal(p.minimumTlsVersion), `${acct.name}: minimumTlsVersion`).toBe('TLS1_2');
    }
    const containers = declared('Microsoft.Storage/storageAccounts/blobServices/containers');
    for (const c of containers)
      expect(literal(at(c.value, 'properties.publicAccess')), `container ${c.name}: publicAccess`).toBe('None');
    expect(containers.map((c) => literal(at(c.value, 'name')))).toContain('attachments');
    expect(storage.decls.some((d) => d.keyword === 'output' && d.name === 'deploymentContainerUrl')).toBe(true);
  });

  it('when Redis is read, then it is Azure Managed Redis: TLS on 10000, no access keys, the app identity with a data access policy, a cluster policy the Lua scripts fit', () => {
    const redis = one('Microsoft.Cache/redisEnterprise');
    expect(literal(at(redis.value, 'properties.minimumTlsVersion'))).toBe('1.2');
    const db = one('Microsoft.Cache/redisEnterprise/databases');
    expect(literal(at(db.value, 'properties.clientProtocol'))).toBe('Encrypted');
    expect(literal(at(db.value, 'properties.port'))).toBe(10000);
    expect(literal(at(db.value, 'properties.accessKeysAuthentication'))).toBe('Disabled');
    expect(literal(at(db.value, 'properties.evictionPolicy'))).toBe('VolatileTTL');
    expect(['EnterpriseCluster', 'OSSCluster']).toContain(literal(at(db.value, 'properties.clusteringPolicy')));
    const access = one('Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments');
    expect(literal(at(access.value, 'properties.accessPolicyName'))).toBe('default');
    expect(text(at(access.value, 'properties.user.objectId'))).toBe('appPrincipalId');
    expect(argumentOf(infra, 'modules/redis.bicep', 'appPrincipalId')).toEqual(['identity.properties.principalId']);
    // every script call's keys share one hash tag, so a clustered database keeps each script in one slot
    const source = readFileSync(join(INFRA, '..', 'shared/adapters/redis/redis-ephemeral.ts'), 'utf8');
    const keyShapes = [...source.matchAll(/^ {4}\w+: \(\w+: string\) => `\$\{this\.prefix\}([^`]*)`,$/gm)].map(
      (m) => m[1],
    );
    expect(keyShapes.length).toBeGreaterThanOrEqual(6);
    for (const k of keyShapes) expect(k, 'hash tag around the id').toMatch(/^[a-z:]+\{\$\{\w+\}\}$/);
  });

  it('when SignalR is read, then it is Serverless, keyless, and its upstream reaches /runtime/webhooks/signalr with the extension key from Key Vault', () => {
    const signalR = one('Microsoft.SignalRService/signalR');
    expect(literal(flagValue(at(signalR.value, 'properties.features'), 'ServiceMode'))).toBe('Serverless');
    expect(literal(at(signalR.value, 'properties.disableLocalAuth'))).toBe(true);
    const templates = items(at(signalR.value, 'properties.upstream.templates'), 'upstream templates');
    expect(templates.length).toBe(1);
    const url = text(at(templates[0], 'urlTemplate'));
    expect(url).toMatch(
      /^https:\/\/\$\{functionAppHostName\}\/runtime\/webhooks\/signalr\?code=\{@Microsoft\.KeyVault\(SecretUri=\$\{upstreamKeySecretUri\}\)\}$/,
    );
    expect(text(at(templates[0], 'hubPattern'))).toBe("join(hubs, ',')");
    expect(argumentOf(infra, 'modules/signalr.bicep', 'hubs')).toEqual(['signalRHubs']);
    expect(argumentOf(infra, 'modules/app.bicep', 'signalRHubs')).toEqual(['signalRHubs']);
    expect(argumentOf(infra, 'modules/signalr.bicep', 'functionAppHostName')).toEqual([
      '${functionAppName}.azurewebsites.net',
    ]);
    expect(argumentOf(infra, 'modules/signalr.bicep', 'upstreamKeySecretUri')).toEqual([
      'hostKeys.outputs.signalRExtensionKeySecretUri',
    ]);
    expect(literal(at(signalR.value, 'identity.type')), 'SignalR reads the key with its own identity').toBe(
      'UserAssigned',
    );
    // the secret is the one the Functions host reads as system key signalr_extension
    const hostKeys = infra.file('modules/host-keys.bicep');
    expect(literal(decl(hostKeys, 'var', 'signalRKeySecretName').value)).toBe(
      hostKeySecretName('host--systemKey--', 'signalr_extension'),
    );
    expect(literal(decl(hostKeys, 'var', 'masterKeySecretName').value)).toBe(
      hostKeySecretName('host--masterKey--', 'master'),
    );
    const settings = appSettings(infra);
    expect(literal(settings.get('AzureWebJobsSecretStorageType'))).toBe('keyvault');
    expect(text(settings.get('AzureWebJobsSecretStorageKeyVaultUri'))).toBe('hostKeysVaultUri');
    expect(argumentOf(infra, 'modules/function-app.bicep', 'hostKeysVaultUri')).toEqual(['hostKeys.outputs.vaultUri']);
    // azd reads the seeds back from that vault on the next provision instead of generating new ones
    const parameters = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
    for (const name of [
      hostKeySecretName('host--masterKey--', 'master'),
      hostKeySecretName('host--systemKey--', 'signalr_extension'),
    ]) {
      expect(parameters).toContain(`$(secretOrRandomPassword \${AZURE_HOSTKEYS_VAULT_NAME} ${name})`);
    }
    expect(main.decls.some((d) => d.keyword === 'output' && d.name === 'AZURE_HOSTKEYS_VAULT_NAME')).toBe(true);
  });

  it('when Cosmos DB is read, then it is keyless, serverless by default, and its containers match the code (partition keys, TTL, indexes)', () => {
    const account = one('Microsoft.DocumentDB/databaseAccounts');
    expect(literal(at(account.value, 'properties.disableLocalAuth'))).toBe(true);
    const capabilities = at(account.value, 'properties.capabilities');
    expect(text(capabilities)).toMatch(/^capacityMode == 'serverless' \? \[…\] : \[…\]$/);
    const serverless = capabilities?.kind === 'expr' ? capabilities.nested[0] : undefined;
    expect(items(serverless, 'serverless capabilities').map((c) => literal(at(c, 'name')))).toEqual([
      'EnableServerless',
    ]);
    expect(literal(decl(main, 'param', 'cosmosCapacityMode').value)).toBe('serverless');
    const cosmos = infra.file('modules/cosmos.bicep');
    expect(literal(decl(cosmos, 'var', 'databaseName').value)).toBe('chat');
    const defs = containerDefinitions({ conversations: 'conversations', memberships: 'memberships', users: 'users' });
    const containers = declared('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    expect(containers.length).toBe(Object.keys(defs).length);
    for (const def of Object.values(defs)) {
      const c = containers.find((x) => literal(at(x.value, 'properties.resource.id')) === def.id);
      expect(c, `container ${def.id}`).toBeDefined();
      const res = at(c!.value, 'properties.resource');
      const asJson = (n: Node | undefined): unknown => {
        if (!n) return undefined;
        if (n.kind === 'object') return Object.fromEntries(Object.entries(n.props).map(([k, v]) => [k, asJson(v)]));
        if (n.kind === 'array') return n.items.map(asJson);
        return literal(n);
      };
      expect(asJson(at(res, 'partitionKey.paths')), `${def.id} partition key`).toEqual(def.partitionKey?.paths);
      expect(literal(at(res, 'defaultTtl')), `${def.id} TTL on, per item`).toBe(def.defaultTtl);
      const policy = def.indexingPolicy!;
      expect(literal(at(res, 'indexingPolicy.indexingMode')), `${def.id} indexing mode`).toBe(policy.indexingMode);
      expect(asJson(at(res, 'indexingPolicy.includedPaths')), `${def.id} included paths`).toEqual(policy.includedPaths);
      expect(new Set(asJson(at(res, 'indexingPolicy.excludedPaths')) as unknown[]), `${def.id} excluded paths`).toEqual(
        new Set(policy.excludedPaths),
      );
      expect(asJson(at(res, 'indexingPolicy.compositeIndexes')) ?? [], `${def.id} composite indexes`).toEqual(
        policy.compositeIndexes ?? [],
      );
    }
  });

  it('when the code runs an ORDER BY on several fields, then a container has the composite index Cosmos needs for it', () => {
    const dir = join(INFRA, '..', 'shared', 'adapters', 'cosmos');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const orders = [...sources.matchAll(/ORDER BY ((?:c\.\w+ (?:ASC|DESC)(?:, )?){2,})/g)].map((m) =>
      m[1]!.split(', ').map((p) => ({
        path: `/${p.split(' ')[0]!.slice(2)}`,
        order: p.endsWith('DESC') ? 'descending' : 'ascending',
      })),
    );
    expect(orders.length, 'the inbox and search queries').toBeGreaterThanOrEqual(2);
    const composites = declared('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').flatMap((c) =>
      items(
        at(c.value, 'properties.resource.indexingPolicy.compositeIndexes') ?? { kind: 'array', items: [], line: 0 },
        'composites',
      ).map((idx) =>
        items(idx, 'composite').map((e) => ({ path: literal(at(e, 'path')), order: literal(at(e, 'order')) })),
      ),
    );
    const flip = (o: string) => (o === 'ascending' ? 'descending' : 'ascending');
    for (const order of orders) {
      const ok = composites.some(
        (c) =>
          c.length === order.length &&
          (c.every((e, i) => e.path === order[i]!.path && e.order === order[i]!.order) ||
            c.every((e, i) => e.path === order[i]!.path && e.order === flip(order[i]!.order))),
      );
      expect(ok, `no composite index for ORDER BY ${order.map((o) => `${o.path} ${o.order}`).join(', ')}`).toBe(true);
    }
  });

  it('when outputs are read, then azd gets the names a client and an operator need', () => {
    const outputs = main.decls.filter((d) => d.keyword === 'output').map((d) => d.name);
    for (const name of [
      'AZURE_FUNCTION_APP_NAME',
      'API_BASE_URL',
      'SIGNALR_HUB_NAME',
      'SIGNALR_HUB_NAMES',
      'SIGNALR_ENDPOINT',
      'COSMOS_ENDPOINT',
      'SERVICEBUS_NAMESPACE',
      'SERVICEBUS_QUEUES',
      'ATTACHMENTS_ACCOUNT_URL',
      'AZURE_HOSTKEYS_VAULT_NAME',
      'AZURE_RESOURCE_GROUP',
    ]) {
      expect(outputs, `output ${name}`).toContain(name);
    }
    // every hub of every client contract: the upstream forwards them all, CLIENT_CONTRACTS picks the served ones
    expect(items(decl(main, 'var', 'signalRHubs').value, 'signalRHubs').map(literal)).toEqual(
      DIALECT_HUBS.map((h) => h.hub),
    );
  });
});
