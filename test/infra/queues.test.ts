import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_SERVICE_BUS } from '../../local/host/servicebus-trigger.js';
import { DUPLICATE_WINDOW, isoDurationMs, QUEUE_SETTINGS } from '../../local/queue/queue-settings.js';
import { SETTING_NAMES } from '../../shared/config/env-schema.js';
import { QUEUE_NAMES } from '../../shared/domain/queues.js';
import { at, INFRA, literal, loadInfra } from './bicep.js';
import { appSettings, queueSpecs } from './checks.js';

// The local broker must behave like the namespace the Bicep deploys: the same queues with the same settings.

const infra = loadInfra();
const root = join(INFRA, '..');

describe('queues: code, local broker and Bicep agree', () => {
  it('when the Bicep queues are read, then they are exactly the app’s queue names with the local broker’s settings', () => {
    const specs = queueSpecs(infra);
    expect(specs.map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const q of specs) {
      const { name, ...settings } = q;
      expect(QUEUE_SETTINGS[name as keyof typeof QUEUE_SETTINGS], `local/queue/queue-settings.ts: ${name}`).toEqual(
        settings,
      );
      expect(isoDurationMs(settings.lock)).toBeLessThanOrEqual(5 * 60_000);
    }
    const queue = infra.resources.find((r) => r.type === 'Microsoft.ServiceBus/namespaces/queues' && !r.existing);
    expect(literal(at(queue?.value, 'properties.duplicateDetectionHistoryTimeWindow'))).toBe(DUPLICATE_WINDOW);
    expect(specs.find((q) => q.name === 'message-events')).toMatchObject({ duplicateDetection: true, appSends: true });
  });

  it('when host.json is read, then the local host uses its Service Bus concurrency and lock renewal', () => {
    const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as {
      extensions: { serviceBus: { maxConcurrentCalls: number; maxAutoLockRenewalDuration: string } };
    };
    const sb = host.extensions.serviceBus;
    expect(sb.maxConcurrentCalls).toBe(HOST_SERVICE_BUS.maxConcurrentCalls);
    const [h, m, s] = sb.maxAutoLockRenewalDuration.split(':').map(Number);
    expect(((h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0)) * 1000).toBe(HOST_SERVICE_BUS.maxAutoLockRenewalMs);
  });

  it('when the app runs on Azure, then jobs go to Service Bus over the identity-based connection of the Bicep', () => {
    const settings = appSettings(infra);
    expect(literal(settings.get('QUEUE_MODE'))).toBe('servicebus');
    expect(settings.has('ServiceBusConnection__fullyQualifiedNamespace')).toBe(true);
    expect(literal(settings.get('ServiceBusConnection__credential'))).toBe('managedidentity');
  });

  it('when the README is read, then its configuration table names every setting of the schema', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const config = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
    );
    for (const name of SETTING_NAMES)
      expect(config, `README configuration table lacks ${name}`).toContain(`\`${name}\``);
    for (const q of QUEUE_NAMES)
      expect(readme, `README Queues section lacks ${q}`).toMatch(new RegExp(`\\| \`${q}\` \\|`));
  });
});
