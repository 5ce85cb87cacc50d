import { describe, expect, it } from 'vitest';
import { decode, type Found, retrying } from '../../shared/adapters/cosmos/cosmos-container.js';
import { CONVERSATION, MEMBERSHIP, NOTIFICATION, PROFILE } from '../../shared/adapters/cosmos/cosmos-docs.js';
import { guard } from '../../shared/adapters/cosmos/cosmos-errors.js';

const failure = (code: number | string, extra: object = {}): Error =>
  Object.assign(new Error(`injected ${code}`), { code, ...extra });

/** A request that fails with the given errors, one per call, then answers 'ok'. */
function flaky(...errors: Error[]) {
  let calls = 0;
  const request = (): Promise<string> => {
    const err = errors[calls++];
    return err ? Promise.reject(err) : Promise.resolve('ok');
  };
  return { request, calls: () => calls };
}

describe('retrying', () => {
  it('when a request is throttled (429) a few times, then it is sent again, idempotent or not, and succeeds', async () => {
    for (const idempotent of [true, false]) {
      const r = flaky(failure(429, { retryAfterInMs: 1 }), failure(429, { retryAfterInMs: 1 }));
      await expect(retrying(r.request, idempotent)).resolves.toBe('ok');
      expect(r.calls()).toBe(3);
    }
  });

  it('when the database stays busy, then it gives up after a few retries and callers see unavailable, not a 500', async () => {
    const r = flaky(...Array.from({ length: 10 }, () => failure(429, { retryAfterInMs: 1_500 })));
    const started = Date.now();
    const err = await guard(() => retrying(r.request)).catch((e: unknown) => e);
    expect(r.calls()).toBe(4);
    // the server's retry-after is honoured but capped, so a busy database cannot stall a request for long
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(err).toMatchObject({ name: 'AppError', kind: 'unavailable', code: 'STORE.UNAVAILABLE' });
    expect(err).toHaveProperty('extra.retryAfterSeconds', 2);
  });

  it('when an idempotent request fails transiently (503, timeout), then it is sent again', async () => {
    const r = flaky(failure(503), failure('ECONNRESET'));
    await expect(retrying(r.request)).resolves.toBe('ok');
    expect(r.calls()).toBe(3);
  });

  it('when a request that is not idempotent fails transiently, then it is not sent again (the caller must check)', async () => {
    const r = flaky(failure(503));
    await expect(retrying(r.request, false)).rejects.toMatchObject({ code: 503 });
    expect(r.calls()).toBe(1);
  });

  it('when a request fails for good (409, 412, 400), then it is not retried', async () => {
    for (const code of [409, 412, 400]) {
      const r = flaky(failure(code));
      await expect(retrying(r.request)).rejects.toMatchObject({ code });
      expect(r.calls()).toBe(1);
    }
  });
});

describe('decode', () => {
  const found = (body: Record<string, unknown>): Found => ({
    body: { ...body, _etag: '"e1"', _rid: 'r', _ts: 1, _self: 's', _attachments: 'a', writeId: 'w1' },
    etag: '"e1"',
    writeId: 'w1',
    docType: typeof body.docType === 'string' ? body.docType : undefined,
  });

  it('when a stored document is decoded, then the bookkeeping is dropped and the etag and writeId are kept aside', () => {
    const profile = { userId: 'u1', blocked: [{ userId: 'm', reason: null, blockedAt: '2024-01-01T00:00:00.000Z' }] };
    expect(decode(found({ ...profile, id: 'u1' }), PROFILE)).toEqual({ value: profile, etag: '"e1"', writeId: 'w1' });
    const notification = {
      id: 'ntf:n1',
      userId: 'u1',
      kind: 'system',
      title: 't',
      body: '',
      data: {},
      channel: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      acknowledgedAt: null,
      readAt: null,
    };
    expect(decode(found({ ...notification, docType: 'notification', ttl: 60 }), NOTIFICATION)?.value).toEqual({
      ...notification,
      id: 'n1',
    });
  });

  it('when the document is of another kind, then it decodes as null; when it is malformed, then it throws', () => {
    expect(decode(found({ id: 'c1', docType: 'message' }), CONVERSATION)).toBeNull();
    expect(() => decode(found({ id: 'c1', docType: 'conversation', title: 3 }), CONVERSATION)).toThrow();
    expect(() => decode(found({ id: 'c1', userId: 'u1' }), MEMBERSHIP)).toThrow();
  });
});
