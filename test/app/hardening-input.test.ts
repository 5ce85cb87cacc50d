import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { getMessageDetail } from '../../shared/app/message-reads.js';
import { react, sendMessage } from '../../shared/app/messages.js';
import { CreateConversationBodySchema, UpdateConversationBodySchema } from '../../shared/domain/conversation.js';
import { ReactionBodySchema, SendMessageBodySchema } from '../../shared/domain/message.js';
import { SendNotificationBodySchema } from '../../shared/domain/notification.js';
import { reactorsOf } from '../../shared/domain/reactions.js';
import { memoryDeps, withGroup } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };

/** JSON nested `depth` levels deep: {"a":{"a":…}}. */
const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('D5: user-chosen keys never reach the prototype', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'D5: when a user reacts with "%s", then it is an ordinary reaction that can be added, read and removed',
    async (name) => {
      const { deps, id } = await withGroup();
      const { result } = await sendMessage(deps, alice, id, { content: 'hi' });
      const messageId = result.message.id;
      const added = await react(deps, bob, id, messageId, name, 'added');
      expect(added.result.reactions).toEqual({ [name]: ['bob'] });
      expect(JSON.parse(JSON.stringify(added.result.reactions))).toEqual({ [name]: ['bob'] });
      await react(deps, alice, id, messageId, name, 'added');
      const detail = await getMessageDetail(deps, alice, id, messageId);
      expect(detail.reactions).toEqual([{ reaction: name, userIds: ['bob', 'alice'], count: 2 }]);
      expect((await react(deps, bob, id, messageId, name, 'removed')).result.reactions).toEqual({ [name]: ['alice'] });
      expect((await react(deps, alice, id, messageId, name, 'removed')).result.reactions).toEqual({});
    },
  );

  it('D5: when a user reacts with "__proto__", then the request is refused as invalid (a reserved name), and the lookup helpers never see the prototype', () => {
    expect(ReactionBodySchema.safeParse({ reaction: '__proto__' }).success).toBe(false);
    expect(ReactionBodySchema.safeParse({ reaction: 'constructor' }).success).toBe(true);
    expect(reactorsOf({}, '__proto__')).toEqual([]);
    expect(reactorsOf({}, 'constructor')).toEqual([]);
  });

  it('D5: when a conversation has the category "constructor" or "toString", then it gets the default retention, not a function', async () => {
    const { deps } = memoryDeps();
    for (const category of ['constructor', 'toString', '__proto__']) {
      const { result } = await createConversation(deps, alice, { type: 'group', participants: ['bob'], category });
      expect(result.conversation.retentionDays).toBeNull();
      await sendMessage(deps, alice, result.conversationId, { content: 'kept' });
    }
  });
});

describe('D6: free-form JSON is bounded at the schema', () => {
  it('D6: when settings are nested 2,000 levels deep, then the body is refused (depth), without overflowing the stack', () => {
    const r = CreateConversationBodySchema.safeParse({ type: 'group', participants: ['bob'], settings: nested(2000) });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/nested deeper than 8 levels/);
  });

  it('D6: when settings or notification data are too big or use prototype keys, then they are refused; 8 levels pass', () => {
    const base = { type: 'group', participants: ['bob'] };
    expect(CreateConversationBodySchema.safeParse({ ...base, settings: { a: nested(7) } }).success).toBe(true);
    expect(CreateConversationBodySchema.safeParse({ ...base, settings: { a: nested(8) } }).success).toBe(false);
    expect(CreateConversationBodySchema.safeParse({ ...base, settings: { big: 'x'.repeat(9000) } }).success).toBe(
      false,
    );
    for (const key of ['constructor', 'prototype']) {
      expect(CreateConversationBodySchema.safeParse({ ...base, settings: { [key]: 1 } }).success).toBe(false);
    }
    expect(
      CreateConversationBodySchema.safeParse({ ...base, settings: JSON.parse('{"a":{"__proto__":{"x":1}}}') }).success,
    ).toBe(false);
    // a top-level "__proto__" is dropped by the record parser: it never becomes the prototype of what is stored
    const top = CreateConversationBodySchema.parse({ ...base, settings: JSON.parse('{"__proto__":{"polluted":1}}') });
    expect(Object.getPrototypeOf(top.settings)).toBe(Object.prototype);
    expect(top.settings).toEqual({});
    expect(
      SendNotificationBodySchema.safeParse({
        userIds: ['bob'],
        title: 't',
        data: nested(50) as Record<string, unknown>,
      }).success,
    ).toBe(false);
  });
});

describe('D14: URL fields are https only', () => {
  it.each([
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http://example.com/a.png',
    'file:///etc/passwd',
    'ftp://example.com/a.png',
  ])('D14: when imageUrl or an attachment url is "%s", then it is refused', (url) => {
    expect(CreateConversationBodySchema.safeParse({ type: 'group', participants: ['b'], imageUrl: url }).success).toBe(
      false,
    );
    expect(UpdateConversationBodySchema.safeParse({ imageUrl: url }).success).toBe(false);
    const attachment = { type: 'image', url, fileName: 'a.png', mimeType: 'image/png', size: 1 };
    expect(SendMessageBodySchema.safeParse({ type: 'image', attachments: [attachment] }).success).toBe(false);
    const thumb = { ...attachment, url: 'https://cdn.example.com/a.png', thumbnailUrl: url };
    expect(SendMessageBodySchema.safeParse({ type: 'image', attachments: [thumb] }).success).toBe(false);
  });

  it('D14: when the URL is https, then it is accepted', () => {
    expect(UpdateConversationBodySchema.safeParse({ imageUrl: 'https://cdn.example.com/a.png' }).success).toBe(true);
  });
});
