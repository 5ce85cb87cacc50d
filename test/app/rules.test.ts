import { describe, expect, it } from 'vitest';
import {
  checkMessageShape,
  DEFAULT_RETENTION_DAYS,
  directConversationId,
  messageIdOf,
  previewOf,
  retentionDaysFor,
  seqOfMessageId,
  unreadCount,
} from '../../shared/domain/rules.js';

describe('domain rules', () => {
  it('when a message id is built and parsed, then the seq comes back only for its own conversation', () => {
    const id = messageIdOf('c_1', 42);
    expect(seqOfMessageId('c_1', id)).toBe(42);
    expect(seqOfMessageId('c_2', id)).toBeNull();
    expect(seqOfMessageId('c_1', 'c_1.0')).toBeNull();
    expect(seqOfMessageId('c_1', 'c_1.4x')).toBeNull();
    expect(seqOfMessageId('c', 'c_1.4')).toBeNull();
  });

  it('when two users are given in either order, then the direct conversation id is the same', () => {
    expect(directConversationId('alice', 'bob')).toBe(directConversationId('bob', 'alice'));
    expect(directConversationId('alice', 'bob')).not.toBe(directConversationId('alice', 'carol'));
    expect(directConversationId('a', 'bc')).not.toBe(directConversationId('ab', 'c'));
  });

  it('when a category has a retention, then it is used, else the fallback', () => {
    expect(retentionDaysFor('customer-support', DEFAULT_RETENTION_DAYS, null)).toBe(180);
    expect(retentionDaysFor('customer-driver', DEFAULT_RETENTION_DAYS, 7)).toBe(30);
    expect(retentionDaysFor('other', DEFAULT_RETENTION_DAYS, 7)).toBe(7);
    expect(retentionDaysFor(null, DEFAULT_RETENTION_DAYS, null)).toBeNull();
  });

  it('when previews are made, then long text is cut and media get a label', () => {
    expect(previewOf({ type: 'text', content: 'x'.repeat(300), attachments: [], isDeleted: false })).toHaveLength(200);
    expect(previewOf({ type: 'image', content: '', attachments: [], isDeleted: false })).toContain('Photo');
    expect(previewOf({ type: 'text', content: 'secret', attachments: [], isDeleted: true })).toBe('Message deleted');
  });

  it('when shapes are checked, then each type needs what it carries', () => {
    expect(() => checkMessageShape({ type: 'text', content: ' ' })).toThrow(/non-empty/);
    expect(() => checkMessageShape({ type: 'file', content: 'x' })).toThrow(/attachment/);
    expect(() => checkMessageShape({ type: 'location', content: '' })).toThrow(/location/);
    expect(() =>
      checkMessageShape({ type: 'location', content: '', location: { latitude: 1, longitude: 2 } }),
    ).not.toThrow();
  });

  it('when read marks run ahead, then unread never goes below zero', () => {
    expect(unreadCount({ lastSeq: 10, lastReadSeq: 4 })).toBe(6);
    expect(unreadCount({ lastSeq: 3, lastReadSeq: 5 })).toBe(0);
  });
});
