import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCoreApi } from '../../local/host/core-api.js';
import type { LocalStack } from '../../local/stack.js';
import { failMessage, MessageRejectionSchema } from '../../shared/app/message-failure.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, type TestClient } from '../support/hub.js';

/*
 * A queued step rejects a stored message, end to end on the local stack: a Service Bus job (local broker), a
 * queue-triggered function registered through the runtime wrapper that calls failMessage — as the attachment scanner
 * would — and its pushes delivered by the wrapper through the SignalR emulator to real clients.
 */

let stack: LocalStack;
const clients: TestClient[] = [];

beforeAll(async () => {
  installCoreApi();
  const { queueConsumer } = await import('../../shared/runtime/queue-trigger.js');
  queueConsumer('test-scanner', { queue: 'translations', body: MessageRejectionSchema }, async ({ body, runtime }) => ({
    pushes: (await failMessage(runtime.deps, body)).pushes,
  }));
  const { startLocalStack } = await import('../../local/stack.js');
  stack = await startLocalStack({
    port: 0,
    signalrPort: 0,
    store: 'memory',
    quiet: true,
    queueDir: mkdtempSync(join(tmpdir(), 'failure-queues-')),
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.stop();
  await stack?.stop();
});

describe('failed messages through a queue consumer', () => {
  it('when a queued job rejects a stored message, then its sender gets it failed with the reason, the other side drops it, and the lists agree', async () => {
    const api = apiClient(stack.baseUrl);
    const [alice, bob] = await Promise.all([api.token('fx-alice'), api.token('fx-bob')]);
    const created = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: ['fx-bob'] },
    });
    const id = created.body.conversationId as string;
    const a = await connectClient(stack.baseUrl, alice);
    const b = await connectClient(stack.baseUrl, bob);
    clients.push(a, b);
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: alice,
      body: {
        content: 'the report',
        attachments: [
          {
            type: 'document',
            url: 'https://files.example.com/report.pdf',
            fileName: 'report.pdf',
            mimeType: 'application/pdf',
            size: 1000,
          },
        ],
      },
    });
    expect(sent.status).toBe(201);
    const messageId = sent.body.message.id as string;
    await b.next('OnMessageReceived', (p) => p.id === messageId);

    const { getRuntime } = await import('../../shared/runtime/container.js');
    const body = {
      conversationId: id,
      messageId,
      code: 'ATTACHMENT.INFECTED',
      reason: 'report.pdf was found infected',
    };
    await (await getRuntime()).queue.enqueue([{ queue: 'translations', id: `scan:${messageId}`, body }]);

    const updated = await a.next('OnMessageUpdated', (p) => p.messageId === messageId, 10_000);
    expect(updated.message).toMatchObject({
      status: 'failed',
      failureCode: 'ATTACHMENT.INFECTED',
      failureReason: 'report.pdf was found infected',
    });
    const dropped = await b.next('OnMessageDeleted', (p) => p.messageId === messageId, 10_000);
    expect(dropped).toMatchObject({ forEveryone: true, reason: 'failed' });
    expect(
      b.events.some((e) => e.target === 'OnMessageUpdated'),
      'the other side is not shown the failure',
    ).toBe(false);

    const mine = await api.call('GET', `${M}/conversations/${id}/messages`, { token: alice });
    expect(mine.body.messages).toEqual([expect.objectContaining({ id: messageId, status: 'failed' })]);
    const theirs = await api.call('GET', `${M}/conversations/${id}/messages`, { token: bob });
    expect(theirs.body.messages).toEqual([]);
    expect((await api.call('GET', `${M}/conversations/${id}/messages/${messageId}`, { token: bob })).status).toBe(404);
  });
});
