import { at, type BicepFile, type Decl, decl, type Infra, items, literal, type Node, props, text } from './bicep.js';

/**
 * The checks the infra tests run, as functions that return problems (empty = fine), each naming the resource or
 * setting at fault. bicep.test.ts runs them on deliberately broken copies of the real templates to show they fail.
 */

/** Built-in roles, by name. Ids checked against Microsoft's built-in role list (they are the same in every tenant). */
export const BUILT_IN_ROLES: Record<string, string> = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Blob Delegator': 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  'SignalR App Server': '420fcaa2-552c-430f-98ca-3264be4806c7',
  'SignalR REST API Owner': 'fd53cd77-2268-407a-8f46-7e7863d0f521',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  'Key Vault Crypto User': '12338af0-0e69-4776-bea7-57ae8d297424',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Cognitive Services User': 'a97b65f3-24c7-4388-baec-2e87135dc908',
};
/** Cosmos DB Built-in Data Contributor: a Cosmos SQL role definition inside the account, not an ARM role. */
export const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

const roleName = (id: string): string | undefined => Object.entries(BUILT_IN_ROLES).find(([, v]) => v === id)?.[0];

/** A `var` of the file, resolved when `node` is just its name (e.g. `properties: appSettings`). */
export function resolve(file: BicepFile, node: Node | undefined): Node | undefined {
  if (node?.kind === 'expr' && /^\w+$/.test(node.text)) {
    const v = file.decls.find((d) => d.keyword === 'var' && d.name === node.text);
    if (v) return resolve(file, v.value);
  }
  return node;
}

function modulesCalling(infra: Infra, target: string): (Decl & { file: BicepFile })[] {
  return infra.modules.filter((m) => m.target === target);
}

// ---------------------------------------------------------------- structure

export function checkModuleCalls(infra: Infra): string[] {
  const problems: string[] = [];
  for (const m of infra.modules) {
    const target = infra.file(m.target);
    const declared = new Map(
      target.decls.filter((d) => d.keyword === 'param').map((d) => [d.name, d.value !== undefined]),
    );
    const passed = Object.keys(props(at(m.value, 'params'), `${m.file.path}: module ${m.name} params`));
    for (const p of passed)
      if (!declared.has(p))
        problems.push(`${m.file.path}: module ${m.name} passes ${p}, which ${m.target} does not declare`);
    for (const [p, hasDefault] of declared)
      if (!hasDefault && !passed.includes(p))
        problems.push(`${m.file.path}: module ${m.name} does not pass ${p}, which ${m.target} requires`);
  }
  return problems;
}

export function checkParametersFile(
  main: BicepFile,
  parametersJson: { parameters: Record<string, { value?: unknown }> },
): string[] {
  const problems: string[] = [];
  const params = main.decls.filter((d) => d.keyword === 'param');
  const mapped = Object.keys(parametersJson.parameters);
  for (const p of params)
    if (p.value === undefined && !mapped.includes(p.name))
      problems.push(`main.parameters.json does not map ${p.name} (no default: azd would prompt every time)`);
  for (const name of mapped)
    if (!params.some((p) => p.name === name))
      problems.push(`main.parameters.json maps ${name}, which main.bicep does not declare`);
  for (const p of params.filter((x) => x.decorators.includes('secure'))) {
    const raw = parametersJson.parameters[p.name]?.value;
    const v = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
    if (!/^\$\(secretOrRandomPassword( \$\{\w+\})? [\w-]+\)$/.test(v))
      problems.push(`secure parameter ${p.name} must come from $(secretOrRandomPassword …), not ${JSON.stringify(v)}`);
  }
  return problems;
}

export function checkResourceTypes(infra: Infra, required: string[]): string[] {
  const declared = new Set(infra.resources.filter((r) => !r.existing).map((r) => r.type));
  return required.filter((t) => !declared.has(t)).map((t) => `no resource of type ${t} is declared`);
}

// ---------------------------------------------------------------- app settings

/** The app settings the Bicep produces: the properties of the Microsoft.Web/sites/config 'appsettings' resource. */
export function appSettings(infra: Infra): Map<string, Node> {
  const configs = infra.resources.filter(
    (r) => r.type === 'Microsoft.Web/sites/config' && !r.existing && literal(at(r.value, 'name')) === 'appsettings',
  );
  if (configs.length !== 1)
    throw new Error(`expected one Microsoft.Web/sites/config 'appsettings' resource, found ${configs.length}`);
  const cfg = configs[0]!;
  return new Map(
    Object.entries(props(resolve(cfg.file, at(cfg.value, 'properties')), `${cfg.file.path}: ${cfg.name}.properties`)),
  );
}

export interface SettingLists {
  schema: readonly string[];
  localOnly: ReadonlySet<string>;
  platformProvided: ReadonlySet<string>;
  platformAndFuture: ReadonlySet<string>;
}

export function checkSettings(produced: Iterable<string>, lists: SettingLists): string[] {
  const names = new Set(produced);
  const problems: string[] = [];
  for (const s of lists.schema) {
    if (lists.localOnly.has(s) || lists.platformProvided.has(s)) continue;
    if (!names.has(s))
      problems.push(
        `setting ${s} is in shared/config/settings.ts but the Bicep does not produce it (or list it as local-only / platform-provided in test/infra)`,
      );
  }
  for (const s of names) {
    if (lists.localOnly.has(s)) problems.push(`setting ${s} is local-only and must not be deployed`);
    else if (lists.platformProvided.has(s))
      problems.push(`setting ${s} is set by the platform; the Bicep must not set it`);
    else if (!lists.schema.includes(s) && !lists.platformAndFuture.has(s))
      problems.push(
        `the Bicep produces ${s}, which is neither in the settings schema nor in the platform/future list of test/infra`,
      );
  }
  return problems;
}

const KV_REFERENCE = /^@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)$/;
const SECRETISH =
  /AccountKey=|AccessKey=|SharedAccessKey|password|secret=|BEGIN [A-Z ]*PRIVATE KEY|^[A-Za-z0-9+/]{40,}={0,2}$/i;

/** No literal secret and nothing computed from a key; the one secret (REDIS_URL) is a Key Vault reference. */
export function checkSettingValues(settings: Map<string, Node>, keyVaultReferenced: string[]): string[] {
  const problems: string[] = [];
  for (const [name, node] of settings) {
    const t = text(node);
    if (keyVaultReferenced.includes(name)) {
      if (node.kind !== 'string' || !KV_REFERENCE.test(node.value))
        problems.push(
          `setting ${name} must be a Key Vault reference @Microsoft.KeyVault(SecretUri=…), found ${JSON.stringify(t)}`,
        );
      continue;
    }
    if (SECRETISH.test(t)) problems.push(`setting ${name} looks like it holds a secret: ${JSON.stringify(t)}`);
    if (/listKeys|listConnectionStrings|primaryKey|secondaryKey|connectionStrings\(/i.test(t))
      problems.push(`setting ${name} is computed from a key (${t}); use the identity or a Key Vault reference`);
  }
  return problems;
}

/** listKeys() may only feed Key Vault secrets (the redis-url secret), never a setting, an output or another resource. */
export function checkKeyUse(infra: Infra): string[] {
  const problems: string[] = [];
  for (const f of infra.files) {
    for (const d of f.decls) {
      const where = `${f.path}: ${d.keyword} ${d.name}`;
      const src = JSON.stringify(d.value ?? null);
      if (!/listKeys|listConnectionStrings/.test(src)) continue;
      if (d.keyword !== 'resource' || d.type !== 'Microsoft.KeyVault/vaults/secrets')
        problems.push(`${where} reads keys (listKeys); only Key Vault secrets may`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- role assignments

export interface Grant {
  file: string;
  symbol: string;
  role: string;
  principal: string;
  scopeType: string;
  conditional: boolean;
}

/** Every ARM role assignment, with its built-in role (by id), principal expression and scope resource type. */
export function roleAssignments(infra: Infra): { grants: Grant[]; problems: string[] } {
  const grants: Grant[] = [];
  const problems: string[] = [];
  for (const r of infra.resources.filter((x) => x.type === 'Microsoft.Authorization/roleAssignments' && !x.existing)) {
    const where = `${r.file.path}: ${r.name}`;
    const roleExpr = text(at(r.value, 'properties.roleDefinitionId'));
    const key = /roles\.(\w+)/.exec(roleExpr)?.[1];
    const rolesVar = r.file.decls.find((d) => d.keyword === 'var' && d.name === 'roles');
    const id =
      key && rolesVar
        ? literal(at(rolesVar.value, key))
        : /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(roleExpr)?.[1];
    if (!/subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions'/.test(roleExpr))
      problems.push(
        `${where}: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', …), found ${roleExpr}`,
      );
    const role = typeof id === 'string' ? roleName(id) : undefined;
    if (!role) {
      problems.push(`${where}: role ${String(id ?? roleExpr)} is not one of the expected built-in roles`);
      continue;
    }
    const scopeSymbol = /^(\w+)(\[\w+\])?$/.exec(text(at(r.value, 'scope')))?.[1];
    const scopeDecl = r.file.decls.find((d) => d.keyword === 'resource' && d.name === scopeSymbol);
    if (!scopeDecl)
      problems.push(
        `${where}: scope must be one resource of the file (found ${JSON.stringify(text(at(r.value, 'scope')))})`,
      );
    grants.push({
      file: r.file.path,
      symbol: r.name,
      role,
      principal: text(at(r.value, 'properties.principalId')),
      scopeType: scopeDecl?.type ?? '(none)',
      conditional: r.value?.kind === 'if',
    });
  }
  return { grants, problems };
}

/** What each principal must hold, and may hold: [role, scope type]. Anything else is a problem. */
export function checkGrants(grants: Grant[], expected: Record<string, [string, string][]>): string[] {
  const problems: string[] = [];
  for (const [principal, wants] of Object.entries(expected)) {
    for (const [role, scopeType] of wants) {
      if (!grants.some((g) => g.principal === principal && g.role === role && g.scopeType === scopeType))
        problems.push(`${principal} lacks ${role} on a ${scopeType}`);
    }
  }
  for (const g of grants) {
    const allowed = expected[g.principal];
    if (!allowed)
      problems.push(
        `${g.file}: ${g.symbol} grants ${g.role} to ${g.principal}, which is none of the expected principals`,
      );
    else if (!allowed.some(([role, scopeType]) => role === g.role && scopeType === g.scopeType))
      problems.push(
        `${g.file}: ${g.symbol} grants ${g.role} on a ${g.scopeType} to ${g.principal}: more than least privilege`,
      );
  }
  return problems;
}

/** The module argument a caller passes for `param`, as text, e.g. identity.properties.principalId. */
export function argumentOf(infra: Infra, target: string, param: string): string[] {
  return modulesCalling(infra, target).map((m) => text(at(m.value, `params.${param}`)));
}

// ---------------------------------------------------------------- Service Bus

export interface QueueSpec {
  name: string;
  maxDeliveryCount: number;
  ttl: string;
  lock: string;
  duplicateDetection: boolean;
  appSends: boolean;
}

export function queueSpecs(infra: Infra): QueueSpec[] {
  const f = infra.file('modules/servicebus.bicep');
  return items(decl(f, 'var', 'queues').value, 'servicebus.bicep var queues').map((q) => {
    const p = props(q, 'a queue');
    return {
      name: String(literal(p.name)),
      maxDeliveryCount: Number(literal(p.maxDeliveryCount)),
      ttl: String(literal(p.ttl)),
      lock: String(literal(p.lock)),
      duplicateDetection: literal(p.duplicateDetection) === true,
      appSends: literal(p.appSends) === true,
    };
  });
}

export function checkQueues(infra: Infra, required: string[]): string[] {
  const problems: string[] = [];
  const specs = queueSpecs(infra);
  for (const name of required) if (!specs.some((q) => q.name === name)) problems.push(`queue ${name} is not declared`);
  for (const q of specs) {
    if (!(q.maxDeliveryCount >= 1 && q.maxDeliveryCount <= 20))
      problems.push(
        `queue ${q.name}: maxDeliveryCount must be 1–20 (poison messages go to the dead-letter queue), found ${q.maxDeliveryCount}`,
      );
    if (!/^P(T?\d+[DHMS])+$/.test(q.ttl))
      problems.push(`queue ${q.name}: ttl must be an ISO 8601 duration, found ${q.ttl}`);
    if (!/^PT\d+[MS]$/.test(q.lock))
      problems.push(
        `queue ${q.name}: lock must be an ISO 8601 duration of seconds or minutes (max 5 min), found ${q.lock}`,
      );
  }
  const f = infra.file('modules/servicebus.bicep');
  const queue = f.decls.find((d) => d.keyword === 'resource' && d.type === 'Microsoft.ServiceBus/namespaces/queues');
  if (queue?.value?.kind !== 'for') problems.push('servicebus.bicep: the queues resource must loop over var queues');
  const qp = props(at(queue?.value, 'properties'), 'queue properties');
  const wants: Record<string, string> = {
    maxDeliveryCount: 'q.maxDeliveryCount',
    lockDuration: 'q.lock',
    defaultMessageTimeToLive: 'q.ttl',
    requiresDuplicateDetection: 'q.duplicateDetection',
  };
  for (const [k, v] of Object.entries(wants))
    if (text(qp[k]) !== v)
      problems.push(`servicebus.bicep: queue property ${k} must be ${v}, found ${text(qp[k]) || '(missing)'}`);
  if (literal(qp.deadLetteringOnMessageExpiration) !== true)
    problems.push(
      'servicebus.bicep: queues must dead-letter expired messages (deadLetteringOnMessageExpiration: true)',
    );
  if (
    specs.some((q) => q.duplicateDetection) &&
    !/^PT\d+M$/.test(String(literal(qp.duplicateDetectionHistoryTimeWindow)))
  )
    problems.push('servicebus.bicep: duplicateDetectionHistoryTimeWindow must be set (minutes)');
  const ns = f.decls.find((d) => d.keyword === 'resource' && d.type === 'Microsoft.ServiceBus/namespaces');
  if (literal(at(ns?.value, 'properties.disableLocalAuth')) !== true)
    problems.push('Service Bus namespace: disableLocalAuth must be true (identity only)');
  if (literal(at(ns?.value, 'sku.name')) === 'Basic' && specs.some((q) => q.duplicateDetection))
    problems.push('Service Bus Basic has no duplicate detection; use Standard');
  return problems;
}

// ---------------------------------------------------------------- Functions host keys (SignalR upstream)

/** The Functions host's Key Vault secret name for a key name (KeyVaultSecretsRepository.Normalize). */
export function hostKeySecretName(prefix: 'host--masterKey--' | 'host--systemKey--', keyName: string): string {
  return (
    prefix +
    [...keyName].map((c) => (/[\p{L}\p{Nd}]/u.test(c) ? c : `-${String(c.charCodeAt(0)).padStart(3, '0')}`)).join('')
  );
}
