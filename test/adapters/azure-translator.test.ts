import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureTranslator } from '../../shared/adapters/translator/azure-translator.js';
import { AppError } from '../../shared/domain/errors.js';
import { startFakeTranslator } from '../support/fake-translator.js';

let fake: Awaited<ReturnType<typeof startFakeTranslator>>;
beforeAll(async () => {
  fake = await startFakeTranslator();
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.calls.length = 0;
});

const keyed = (over: Partial<ConstructorParameters<typeof AzureTranslator>[0]> = {}) =>
  new AzureTranslator({
    endpoint: fake.endpoint,
    auth: { kind: 'key', key: fake.key, region: 'westeurope' },
    ...over,
  });

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('Azure AI Translator adapter against a fake speaking Translator v3', () => {
  it('when a text is translated, then it is one POST /translate with api-version 3.0, a to per language and the key and region headers', async () => {
    const result = await keyed().translate('bonjour tout le monde', ['en', 'de']);
    expect(result).toEqual({
      detectedLanguage: 'fr',
      translations: [
        { language: 'en', text: '[en] bonjour tout le monde' },
        { language: 'de', text: '[de] bonjour tout le monde' },
      ],
    });
    expect(fake.calls).toHaveLength(1);
    const [call] = fake.calls;
    expect(call?.operation).toBe('translate');
    expect(call?.query.get('api-version')).toBe('3.0');
    expect(call?.query.getAll('to')).toEqual(['en', 'de']);
    expect(call?.headers['ocp-apim-subscription-key']).toBe(fake.key);
    expect(call?.headers['ocp-apim-subscription-region']).toBe('westeurope');
    expect(call?.texts).toEqual(['bonjour tout le monde']);
  });

  it('when the source language is known, then it is sent as from and nothing is detected', async () => {
    const result = await keyed().translate('hola amigos', ['en'], 'es');
    expect(result.translations).toEqual([{ language: 'en', text: '[en] hola amigos' }]);
    expect(fake.calls[0]?.query.get('from')).toBe('es');
  });

  it('when a language is detected, then it is POST /detect and the language comes back', async () => {
    expect(await keyed().detect('hallo zusammen')).toBe('de');
    expect(fake.calls.map((c) => c.operation)).toEqual(['detect']);
  });

  it('when the key is wrong, then the 401 is a 503 TRANSLATION.UNAVAILABLE that says the credentials were refused', async () => {
    const e = await failure(
      new AzureTranslator({
        endpoint: fake.endpoint,
        auth: { kind: 'key', key: 'wrong', region: undefined },
      }).translate('hi', ['de']),
    );
    expect([e.kind, e.code]).toEqual(['unavailable', 'TRANSLATION.UNAVAILABLE']);
    expect(e.detail).toMatch(/credentials/);
    expect(e.detail).toMatch(/401000/);
  });

  it('when the Translator throttles once with Retry-After, then the call waits that long and succeeds', async () => {
    fake.failNext({ status: 429, retryAfter: '1', code: 429001 });
    const started = Date.now();
    const result = await keyed().translate('hello', ['de']);
    expect(result.translations[0]?.text).toBe('[de] hello');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.calls).toHaveLength(2);
  });

  it('when it keeps throttling, then after the bounded retries it is a 503 with the retry-after it gave', async () => {
    fake.failNext(
      { status: 429, retryAfter: '1', code: 429001 },
      { status: 429, retryAfter: '1', code: 429001 },
      { status: 429, retryAfter: '7', code: 429001 },
    );
    const e = await failure(keyed({ retryBudgetMs: 2_000 }).translate('hello', ['de']));
    expect([e.kind, e.code, e.extra.retryAfterSeconds]).toEqual(['unavailable', 'TRANSLATION.UNAVAILABLE', 7]);
    expect(fake.calls).toHaveLength(3);
  });

  it('when Retry-After is longer than the budget, then it is not waited for: 503 at once with that retry-after', async () => {
    fake.failNext({ status: 429, retryAfter: '120', code: 429001 });
    const started = Date.now();
    const e = await failure(keyed().translate('hello', ['de']));
    expect(e.extra.retryAfterSeconds).toBe(120);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fake.calls).toHaveLength(1);
  });

  it('when the Translator fails with a 5xx, then it is a 503 with a retry-after, not retried in the request', async () => {
    fake.failNext({ status: 500, code: 500000 });
    const e = await failure(keyed().translate('hello', ['de']));
    expect([e.kind, e.code]).toEqual(['unavailable', 'TRANSLATION.UNAVAILABLE']);
    expect(e.extra.retryAfterSeconds).toBeGreaterThan(0);
    expect(fake.calls).toHaveLength(1);
  });

  it('when the language is not one it knows, then its 400 is the caller’s error (validation)', async () => {
    const e = await failure(keyed().translate('hello', ['xx']));
    expect([e.kind, e.code]).toEqual(['validation', 'TRANSLATION.REJECTED']);
    expect(e.detail).toMatch(/target language/);
  });

  it('when the Translator is unreachable, then it is a 503 TRANSLATION.UNAVAILABLE', async () => {
    const e = await failure(
      new AzureTranslator({
        endpoint: 'http://127.0.0.1:1',
        auth: { kind: 'key', key: 'k', region: undefined },
      }).translate('hello', ['de']),
    );
    expect([e.kind, e.code]).toEqual(['unavailable', 'TRANSLATION.UNAVAILABLE']);
  });

  it('when the managed identity is used, then a bearer token for Cognitive Services goes with the resource id and region headers', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope) => {
        scopes.push(String(scope));
        return Promise.resolve({ token: 'mi-token', expiresOnTimestamp: Date.now() + 3_600_000 } as AccessToken);
      },
    };
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/trl';
    const translator = new AzureTranslator({
      endpoint: fake.endpoint,
      auth: { kind: 'identity', credential, resourceId, region: 'westeurope' },
    });
    // the fake only knows keys: a 401 here still shows what was sent
    await failure(translator.translate('hello', ['de']));
    const headers = fake.calls[0]?.headers;
    expect(headers?.authorization).toBe('Bearer mi-token');
    expect(headers?.['ocp-apim-resourceid']).toBe(resourceId);
    expect(headers?.['ocp-apim-subscription-region']).toBe('westeurope');
    expect(headers?.['ocp-apim-subscription-key']).toBeUndefined();
    expect(scopes).toEqual(['https://cognitiveservices.azure.com/.default']);
  });
});
