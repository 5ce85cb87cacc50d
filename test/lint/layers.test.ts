import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layers } from '../../eslint.layers.js';

// Each row is a fixture: a file at `path` that imports `specifier`. Linted with the layer rules alone (no type
// information), so a path need not exist; the real tree is linted by `npm run lint`.
const cases: { path: string; specifier: string; allowed: boolean }[] = [
  { path: 'shared/domain/message.ts', specifier: 'zod', allowed: true },
  { path: 'shared/domain/message.ts', specifier: 'node:crypto', allowed: true },
  { path: 'shared/domain/message.ts', specifier: './schemas-common.js', allowed: true },
  { path: 'shared/domain/message.ts', specifier: '../ports/store.js', allowed: false },
  { path: 'shared/domain/message.ts', specifier: 'ioredis', allowed: false },
  { path: 'shared/ports/store.ts', specifier: '../domain/message.js', allowed: true },
  { path: 'shared/ports/store.ts', specifier: '../adapters/system.js', allowed: false },
  { path: 'shared/ports/store.ts', specifier: '@azure/cosmos', allowed: false },
  { path: 'shared/app/messages.ts', specifier: '../ports/store.js', allowed: true },
  { path: 'shared/app/messages.ts', specifier: '../domain/rules.js', allowed: true },
  { path: 'shared/app/messages.ts', specifier: '../adapters/memory/memory-store.js', allowed: false },
  { path: 'shared/app/messages.ts', specifier: '../runtime/container.js', allowed: false },
  { path: 'shared/app/messages.ts', specifier: '../config/settings.js', allowed: false },
  { path: 'shared/app/messages.ts', specifier: '@azure/cosmos', allowed: false },
  { path: 'shared/contracts/listo.ts', specifier: '../domain/events.js', allowed: true },
  { path: 'shared/contracts/listo.ts', specifier: './native.js', allowed: true },
  { path: 'shared/contracts/listo.ts', specifier: 'zod', allowed: true },
  { path: 'shared/contracts/listo.ts', specifier: '../app/messages.js', allowed: false },
  { path: 'shared/contracts/listo.ts', specifier: '../runtime/hub.js', allowed: false },
  { path: 'shared/contracts/listo.ts', specifier: '@azure/functions', allowed: false },
  { path: 'shared/adapters/memory/memory-store.ts', specifier: '../../ports/store.js', allowed: true },
  { path: 'shared/adapters/memory/memory-store.ts', specifier: '../../runtime/container.js', allowed: false },
  { path: 'shared/adapters/memory/memory-store.ts', specifier: '../../app/messages.js', allowed: false },
  { path: 'functions/http/messages.ts', specifier: '../../shared/app/messages.js', allowed: true },
  { path: 'functions/http/messages.ts', specifier: '../../shared/runtime/routes.js', allowed: true },
  { path: 'functions/http/messages.ts', specifier: '../../shared/adapters/system.js', allowed: false },
  { path: 'functions/http/messages.ts', specifier: '../../shared/ports/ephemeral.js', allowed: false },
];

describe('layer rules', () => {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layers],
  });

  it.each(cases)('when $path imports $specifier, then allowed is $allowed', async ({ path, specifier, allowed }) => {
    const [result] = await eslint.lintText(`import '${specifier}';\n`, { filePath: path });
    const refusals = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports');
    expect(refusals.map((m) => m.message)).toHaveLength(allowed ? 0 : 1);
    if (!allowed) expect(refusals[0]?.message).toMatch(/may import only|must not import|thin registrations/);
  });
});
