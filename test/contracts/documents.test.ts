import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';

// The generated API documents, checked by validator libraries (not hand-written structural checks).

type Json = Record<string, any>;
let asyncapi: Json;
let openapi: Json;

beforeAll(async () => {
  Object.assign(process.env, {
    AUTH_MODE: 'dev',
    AUTH_DEV_SECRET: 'x'.repeat(40),
    AzureSignalRConnectionString: 'Endpoint=http://localhost;Port=8888;AccessKey=k;Version=1.0;',
  });
  const { installCoreApi } = await import('../../local/host/core-api.js');
  installCoreApi();
  // why: routes and hub methods are registered by importing the functions
  await import('../../functions/index.js');
  const { HUB_METHODS } = await import('../../shared/runtime/hub.js');
  const { buildAsyncApi } = await import('../../shared/contracts/asyncapi.js');
  const { ROUTES } = await import('../../shared/runtime/routes.js');
  const { buildOpenApi } = await import('../../shared/runtime/openapi.js');
  asyncapi = buildAsyncApi(HUB_METHODS, 'http://localhost:7071');
  openapi = buildOpenApi(ROUTES, HUB_METHODS, 'http://localhost:7071');
});

describe('API documents', () => {
  it('when the AsyncAPI document is parsed by @asyncapi/parser, then it has no error-level diagnostics', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.parse(JSON.stringify(asyncapi)));
    const errors = diagnostics
      .filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error))
      .map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.channels().length).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('when the OpenAPI document is validated against the OpenAPI 3.1 schema, then it is valid', async () => {
    const result = await new Validator().validate(JSON.parse(JSON.stringify(openapi)));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('when the OpenAPI document is read, then every operation documents a success response with a schema', () => {
    expect(Object.keys(openapi.paths).length).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Json>(openapi.paths))
      for (const [method, op] of Object.entries<Json>(item)) {
        const ok = Object.entries<Json>(op.responses ?? {}).filter(([code]) => /^[23]/.test(code));
        const described = ok.some(([code, r]) => code === '204' || code.startsWith('3') || r.content !== undefined);
        if (!described) missing.push(`${method.toUpperCase()} ${path}`);
      }
    expect(missing).toEqual([]);
  });
});
