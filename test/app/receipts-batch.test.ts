import { describe, expect, it } from 'vitest';
import { sendMessage } from '../../shared/app/messages.js';
import { markRead } from '../../shared/app/receipts.js';
import { batchReceipts } from '../../shared/app/receipts-batch.js';
import { withDirect } from '../support/deps.js';

describe('batch read receipts', () => {
  it('when receipts of several messages are asked at once, then each says who read it and foreign ids are not found', async () => {
    const { deps, id } = await withDirect();
    const alice = { userId: 'alice' };
    await sendMessage(deps, alice, id, { content: 'one' });
    await sendMessage(deps, alice, id, { content: 'two' });
    await markRead(deps, { userId: 'bob' }, id, 1);
    const r = await batchReceipts(deps, alice, [`${id}.1`, `${id}.2`, `${id}.9`, 'elsewhere.1', 'nodot']);
    expect(r.receipts).toEqual([
      { messageId: `${id}.1`, conversationId: id, seq: 1, readBy: [{ userId: 'bob', readAt: expect.any(String) }] },
      { messageId: `${id}.2`, conversationId: id, seq: 2, readBy: [] },
    ]);
    expect(r.notFound.sort()).toEqual([`${id}.9`, 'elsewhere.1', 'nodot'].sort());
    expect((await batchReceipts(deps, { userId: 'mallory' }, [`${id}.1`])).notFound).toEqual([`${id}.1`]);
  });
});
