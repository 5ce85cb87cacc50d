import { describe, expect, it } from 'vitest';
import { updateMySettings } from '../../shared/app/conversations.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { sendMessage } from '../../shared/app/messages.js';
import { markRead } from '../../shared/app/receipts.js';
import { joinConversation } from '../../shared/app/subscriptions.js';
import { setTyping } from '../../shared/app/typing.js';
import { kindOf, withDirect } from '../support/deps.js';

describe('who may see a conversation', () => {
  it('when a non-participant asks, then every use case answers not_found', async () => {
    const { deps, id } = await withDirect();
    const eve = { userId: 'eve', connectionId: 'x' };
    for (const p of [
      sendMessage(deps, eve, id, { content: 'x' }),
      markRead(deps, eve, id, 1),
      setTyping(deps, eve, id, true),
      joinConversation(deps, eve, id),
      updateMySettings(deps, eve, id, { pinned: true }),
      listMessages(deps, eve, id, { limit: 1, includeDeleted: false }),
    ]) {
      expect(await kindOf(p)).toBe('not_found:CONVERSATION.NOT_FOUND');
    }
  });
});
