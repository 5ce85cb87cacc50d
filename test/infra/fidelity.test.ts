import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, decl, INFRA, items, literal, loadInfra, text } from './bicep.js';
import { appSettings, argumentOf } from './checks.js';

// What a real deployment needs beyond "the templates are whole": browser CORS with credentials, authenticated
// upstream calls, warm instances, a build that ships compiled code, and no provision that rotates the host keys.

const infra = loadInfra();
const main = infra.file('main.bicep');
const only = (type: string) => {
  const all = infra.resources.filter((r) => r.type === type && !r.existing);
  expect(all, type).toHaveLength(1);
  return all[0]!;
};

describe('deployment fidelity (parsed templates)', () => {
  it('when browsers call, then the app and SignalR allow exact origins with credentials, fed by one parameter', () => {
    const site = only('Microsoft.Web/sites');
    expect(literal(at(site.value, 'properties.siteConfig.cors.supportCredentials'))).toBe(true);
    expect(text(at(site.value, 'properties.siteConfig.cors.allowedOrigins'))).toBe('corsAllowedOrigins');
    expect(text(appSettings(infra).get('CORS_ALLOWED_ORIGINS'))).toBe("join(corsAllowedOrigins, ',')");
    const signalR = only('Microsoft.SignalRService/signalR');
    expect(text(at(signalR.value, 'properties.cors.allowedOrigins'))).toBe('corsAllowedOrigins');
    expect(literal(decl(main, 'param', 'corsAllowedOrigins').value), 'no browser origin unless listed').toBe('');
    expect(text(decl(main, 'var', 'corsChecked').value)).toMatch(/contains\(corsOrigins, '\*'\) \? fail\(/);
    expect(argumentOf(infra, 'modules/app.bicep', 'corsAllowedOrigins')).toEqual(['corsChecked']);
    const parameters = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
    expect(parameters).toContain('"corsAllowedOrigins": { "value": "${CORS_ALLOWED_ORIGINS=}" }');
  });

  it('when SignalR calls the functions, then it sends a managed-identity token the app is configured to check', () => {
    const signalR = only('Microsoft.SignalRService/signalR');
    const template = items(at(signalR.value, 'properties.upstream.templates'), 'templates')[0];
    expect(literal(at(template, 'auth.type'))).toBe('ManagedIdentity');
    expect(text(at(template, 'auth.managedIdentity.resource'))).toBe('upstreamAuthResource');
    expect(argumentOf(infra, 'modules/app.bicep', 'signalRUpstreamAuthResource')).toEqual([
      'empty(signalRUpstreamAuthResource) ? authAudience : signalRUpstreamAuthResource',
    ]);
    const settings = appSettings(infra);
    expect(text(settings.get('SIGNALR_UPSTREAM_AUDIENCE'))).toBe('signalRUpstreamAudience');
    expect(argumentOf(infra, 'modules/function-app.bicep', 'signalRUpstreamAudience')).toEqual([
      'signalRUpstreamAuthResource',
    ]);
    expect(text(settings.get('SIGNALR_UPSTREAM_PRINCIPAL_ID'))).toBe('signalRPrincipalId');
    expect(argumentOf(infra, 'modules/function-app.bicep', 'signalRPrincipalId')).toEqual([
      'signalRIdentity.properties.principalId',
    ]);
    expect(text(settings.get('SIGNALR_UPSTREAM_ISSUER'))).toContain('https://sts.windows.net/${tenant().tenantId}/');
    expect(text(settings.get('SIGNALR_UPSTREAM_JWKS_URI'))).toContain('/discovery/v2.0/keys');
  });

  it('when users arrive, then the http group and the hot SignalR functions have always-ready instances (a parameter, default 1)', () => {
    const site = only('Microsoft.Web/sites');
    expect(text(at(site.value, 'properties.functionAppConfig.scaleAndConcurrency.alwaysReady'))).toMatch(
      /^alwaysReadyInstances > 0 \? alwaysReady : /,
    );
    const groups = items(decl(infra.file('modules/function-app.bicep'), 'var', 'alwaysReady').value, 'alwaysReady').map(
      (g) => literal(at(g, 'name')),
    );
    expect(groups).toEqual(['http', 'function:hub-messaging-connected', 'function:hub-messaging-send-message']);
    // function names as shared/runtime/hub.ts registers them: hub-<hub>-<event in kebab case>
    expect(literal(decl(main, 'param', 'alwaysReadyInstances').value)).toBe(1);
    expect(readFileSync(join(INFRA, 'main.parameters.json'), 'utf8')).toContain('${FUNCTIONS_ALWAYS_READY=1}');
  });

  it('when azd provisions without the deployer’s object id, then it stops before touching Azure', () => {
    const principal = decl(main, 'param', 'principalId');
    expect(principal.decorators).toContain('minLength(1)');
    expect(principal.value, 'no default: an empty id must not pass silently').toBeUndefined();
    const azureYaml = readFileSync(join(INFRA, '..', 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(
      /^hooks:\n {2}# .*\n {2}preprovision:\n {4}posix:\n {6}shell: sh\n {6}run: \.\/ops\/preprovision\.sh$/m,
    );
    expect(readFileSync(join(INFRA, '..', 'ops/preprovision.sh'), 'utf8')).toMatch(
      /-z "\$\{AZURE_PRINCIPAL_ID:-\}"[\s\S]*exit 1/,
    );
  });

  it('when the upstream key is seeded, then it is at least 64 letters/digits and stays the same on the next provision', () => {
    const hostKeys = infra.file('modules/host-keys.bicep');
    expect(text(decl(hostKeys, 'var', 'longSignalRKey').value)).toBe(
      'length(signalRExtensionKey) >= 64 ? signalRExtensionKey : stretchedSignalRKey',
    );
    // two dash-less GUIDs: 64 hex characters, safe in a URL
    expect(text(decl(hostKeys, 'var', 'stretchedSignalRKey').value)).toMatch(
      /^\$\{replace\(guid\(signalRExtensionKey, 'a'\), '-', ''\)\}\$\{replace\(guid\(signalRExtensionKey, 'b'\), '-', ''\)\}$/,
    );
    const secret = infra.resources.find((r) => r.name === 'signalRKeySecret');
    expect(text(at(secret?.value, 'properties.value'))).toBe('longSignalRKey');
  });

  it('when azd packages, then it ships the locally built dist with production dependencies and no remote build', () => {
    const azureYaml = readFileSync(join(INFRA, '..', 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/^ {4}dist: \.deploy$/m);
    expect(azureYaml).toMatch(/^ {4}remoteBuild: false$/m);
    expect(azureYaml).toMatch(/^ {6}prepackage:\n {8}posix:\n {10}shell: sh\n {10}run: \.\/ops\/package\.sh$/m);
    const script = readFileSync(join(INFRA, '..', 'ops/package.sh'), 'utf8');
    expect(script).toContain('npm run build');
    expect(script).toContain('cp -R dist/functions dist/shared .deploy/dist/');
    expect(script).toContain('cp host.json package.json package-lock.json .deploy/');
    expect(script).toContain('npm ci --omit=dev');
    const pkg = JSON.parse(readFileSync(join(INFRA, '..', 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main.startsWith('dist/functions/')).toBe(true);
  });
});
