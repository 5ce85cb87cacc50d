import { describe, expect, it } from 'vitest';
import { EnvelopeDataKeys } from '../../shared/adapters/keys/envelope-keys.js';
import { LocalKeyFile } from '../../shared/adapters/keys/local-key-file.js';
import type { LocalPushSender } from '../../shared/adapters/memory/local-push.js';
import { MemoryWrappedKeys } from '../../shared/adapters/memory/memory-wrapped-keys.js';
import { CONTENT_PIPELINE } from '../../shared/app/content-pipeline.js';
import { registerDevice } from '../../shared/app/devices.js';
import { listInbox } from '../../shared/app/inbox.js';
import { getMessageDetail, listMessages } from '../../shared/app/message-reads.js';
import { deleteMessage, editMessage, sendMessage } from '../../shared/app/messages.js';
import { searchMessages } from '../../shared/app/search.js';
import type { Telemetry } from '../../shared/ports/system.js';
import { kindOf, memoryContent, withGroup } from '../support/deps.js';
import { runMessageEvents, runPushJobs } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const CARD = '4111 1111 1111 1111';
const SECRET = 'hunter2';
const EXAMPLE = `my card is ${CARD} and the password: ${SECRET}`;
const MASKED = 'my card is •••• 1111 and the password: ••••••••';

/** Telemetry that keeps everything written to it, to look for clear text. */
function recordingTelemetry() {
  const written: unknown[] = [];
  const telemetry: Telemetry = {
    log: (level, message, props) => void written.push({ level, message, props }),
    event: (name, props) => void written.push({ name, props }),
    metric: (name, value, props) => void written.push({ name, value, props }),
    dependency: (call) => void written.push(call),
  };
  return { telemetry, written };
}

describe('content pipeline: order and configuration', () => {
  it('when the pipeline is listed, then its processors run in the documented order, sealing last', () => {
    expect(CONTENT_PIPELINE.map((p) => p.name)).toEqual([
      'spam',
      'profanity',
      'emoticons',
      'sensitive-data',
      'mentions',
      'markdown',
      'seal',
    ]);
  });
});

describe('sensitive data: masked everywhere, sealed at rest, revealed to participants only', () => {
  it('when a message holds a card number and a password, then it is stored, pushed, listed, previewed and searched masked; never in clear in telemetry', async () => {
    const { telemetry, written } = recordingTelemetry();
    const t = await withGroup({ telemetry });
    await registerDevice(t.deps, bob, { platform: 'fcm', token: 'tok-bob' });
    const { result, pushes } = await sendMessage(t.deps, alice, t.id, { content: EXAMPLE });
    expect(result.message).toMatchObject({ content: MASKED, isEncrypted: true, keyVersion: '1' });
    expect(result.message.redactions).toEqual(['card', 'secret']);
    expect(JSON.stringify(result.message)).not.toContain(SECRET);
    expect(result.message).not.toHaveProperty('sealed');

    const stored = await t.deps.store.getMessage(t.id, result.message.id);
    expect(stored?.content).toBe(MASKED);
    expect(stored?.sealed?.ciphertext).toEqual(expect.any(String));
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify(stored)).not.toContain('4111 1111 1111 1111');

    // pushed (realtime), then the queue consumers: inbox fan-out, mentions, push notifications
    const pushed = [...pushes, ...(await runMessageEvents(t))];
    await runPushJobs(t, t.deps.clock.now());
    const devicePushes = (t.deps.push as LocalPushSender).recorded('bob');
    expect(devicePushes.length).toBe(1);
    // listed, previewed, searched
    const page = await listMessages(t.deps, bob, t.id, { limit: 50, includeDeleted: false });
    const inbox = await listInbox(t.deps, bob, { type: 'all', archived: false, pageSize: 20 });
    const search = await searchMessages(t.deps, bob, { query: 'card', limit: 50 });
    const searchClear = await searchMessages(t.deps, bob, { query: SECRET, limit: 50 });
    const searchCard = await searchMessages(t.deps, bob, { query: '4111 1111', limit: 50 });
    expect(page.messages[0]?.content).toBe(MASKED);
    expect(JSON.stringify(inbox)).toContain('•••• 1111');
    expect(search.results.map((r) => r.message.content)).toEqual([MASKED]);
    expect(searchClear.results).toEqual([]);
    expect(searchCard.results).toEqual([]);
    for (const [what, seen] of Object.entries({ pushed, devicePushes, page, inbox, search, written })) {
      expect(JSON.stringify(seen), what).not.toContain(SECRET);
      expect(JSON.stringify(seen), what).not.toContain('1111 1111');
    }
  });

  it('when a participant asks to reveal, then they get the clear text and an audit event names who, when and which message; others get 404', async () => {
    const { telemetry, written } = recordingTelemetry();
    const t = await withGroup({ telemetry });
    const { result } = await sendMessage(t.deps, alice, t.id, { content: EXAMPLE });
    const plain = await getMessageDetail(t.deps, bob, t.id, result.message.id);
    expect(plain.message.content).toBe(MASKED);
    expect(written.some((w) => (w as { name?: string }).name === 'MessageRevealed')).toBe(false);

    const revealed = await getMessageDetail(t.deps, bob, t.id, result.message.id, { reveal: true });
    expect(revealed.message).toMatchObject({ content: EXAMPLE, revealed: true, isEncrypted: true });
    const audits = written.filter((w) => (w as { name?: string }).name === 'MessageRevealed');
    expect(audits).toEqual([
      {
        name: 'MessageRevealed',
        props: {
          conversationId: t.id,
          messageId: result.message.id,
          userId: 'bob',
          at: t.deps.clock.now().toISOString(),
          keyVersion: '1',
        },
      },
    ]);
    // the audit never carries the text
    expect(JSON.stringify(written)).not.toContain(SECRET);
    await getMessageDetail(t.deps, alice, t.id, result.message.id, { reveal: true });
    expect(written.filter((w) => (w as { name?: string }).name === 'MessageRevealed').length).toBe(2);
    expect(
      await kindOf(getMessageDetail(t.deps, { userId: 'mallory' }, t.id, result.message.id, { reveal: true })),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
  });

  it('when the key-encryption key is rotated, then new messages use the new version and old ones stay readable', async () => {
    const kek = LocalKeyFile.inMemory();
    const t = await withGroup({ content: memoryContent({}, kek) });
    const before = (await sendMessage(t.deps, alice, t.id, { content: `old ${CARD}` })).result.message;
    expect(await kek.rotate()).toBe('2');
    const after = (await sendMessage(t.deps, alice, t.id, { content: `new password: ${SECRET}` })).result.message;
    expect([before.keyVersion, after.keyVersion]).toEqual(['1', '2']);
    expect((await getMessageDetail(t.deps, bob, t.id, before.id, { reveal: true })).message.content).toBe(
      `old ${CARD}`,
    );
    expect((await getMessageDetail(t.deps, bob, t.id, after.id, { reveal: true })).message.content).toBe(
      `new password: ${SECRET}`,
    );
  });

  it('when another process made the conversation key first, then both seal with the one stored key', async () => {
    const kek = LocalKeyFile.inMemory();
    const stored = new MemoryWrappedKeys();
    const [a, b] = [new EnvelopeDataKeys(kek, stored), new EnvelopeDataKeys(kek, stored)];
    const [ka, kb] = await Promise.all([a.current('c1'), b.current('c1')]);
    expect(ka.key.equals(kb.key)).toBe(true);
    expect((await a.current('c2')).key.equals(ka.key)).toBe(false);
    await expect(a.get('c3', '1')).rejects.toThrow(/no data key/);
  });

  it('when the key service is down, then a sensitive send is refused with 503 and nothing is stored in clear', async () => {
    const t = await withGroup();
    t.deps.content.keys.current = () => Promise.reject(new Error('vault unreachable'));
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: EXAMPLE }))).toBe(
      'unavailable:CONTENT.KEYS_UNAVAILABLE',
    );
    expect((await t.deps.store.getConversation(t.id))?.lastSeq).toBe(0);
    // a message without sensitive data does not need the key
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: 'hello' }))).toBe('ok');
  });

  it('when a message is edited to hold a secret, then the edit is masked and sealed; deleting it drops the sealed text', async () => {
    const t = await withGroup();
    const { result } = await sendMessage(t.deps, alice, t.id, { content: 'my pin follows' });
    const { result: edited } = await editMessage(t.deps, alice, t.id, result.message.id, `pin: 4321`);
    expect(edited).toMatchObject({ content: 'pin: ••••••••', isEncrypted: true, isEdited: true });
    expect(edited.editHistory).toEqual([{ content: 'my pin follows', editedAt: expect.any(String) }]);
    expect((await getMessageDetail(t.deps, bob, t.id, result.message.id, { reveal: true })).message.content).toBe(
      'pin: 4321',
    );
    const { result: cleared } = await editMessage(t.deps, alice, t.id, result.message.id, 'never mind');
    expect(cleared.isEncrypted).toBeUndefined();
    expect((await t.deps.store.getMessage(t.id, result.message.id))?.sealed).toBeUndefined();
    await editMessage(t.deps, alice, t.id, result.message.id, `password: ${SECRET}`);
    await deleteMessage(t.deps, alice, t.id, result.message.id, true);
    const gone = await t.deps.store.getMessage(t.id, result.message.id);
    expect(gone?.sealed).toBeUndefined();
    expect(JSON.stringify(gone)).not.toContain(SECRET);
  });
});

describe('moderation: profanity and spam, on send and on edit', () => {
  it('when profanity is sent in mask mode, then the letters are replaced and the message is flagged; an edit too', async () => {
    const t = await withGroup();
    const { result } = await sendMessage(t.deps, alice, t.id, { content: 'what the fuck' });
    expect(result.message).toMatchObject({
      content: 'what the f***',
      moderation: { flagged: true, reasons: ['profanity'] },
    });
    const clean = await sendMessage(t.deps, alice, t.id, { content: 'Scunthorpe is lovely' });
    expect(clean.result.message.moderation).toBeUndefined();
    const { result: edited } = await editMessage(t.deps, alice, t.id, clean.result.message.id, 'Scunthorpe is sh1t');
    expect(edited).toMatchObject({ content: 'Scunthorpe is s***', moderation: { flagged: true } });
  });

  it('when profanity is sent in reject mode, then 400 MESSAGE.PROFANITY and nothing is stored; an edit is refused too', async () => {
    const t = await withGroup({ content: memoryContent({ profanityMode: 'reject' }) });
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: 'f u c k' }))).toBe('validation:MESSAGE.PROFANITY');
    expect((await t.deps.store.getConversation(t.id))?.lastSeq).toBe(0);
    const { result } = await sendMessage(t.deps, alice, t.id, { content: 'fine' });
    expect(await kindOf(editMessage(t.deps, alice, t.id, result.message.id, 'ｆｕｃｋ'))).toBe(
      'validation:MESSAGE.PROFANITY',
    );
    expect((await t.deps.store.getMessage(t.id, result.message.id))?.content).toBe('fine');
  });

  it('when profanity mode is off, then the text is stored as sent', async () => {
    const t = await withGroup({ content: memoryContent({ profanityMode: 'off' }) });
    expect((await sendMessage(t.deps, alice, t.id, { content: 'what the fuck' })).result.message.content).toBe(
      'what the fuck',
    );
  });

  it('when the same text is repeated within the window, then the one over the limit is refused, on send and on edit', async () => {
    const t = await withGroup({
      content: memoryContent({
        spam: { repeatMax: 3, repeatWindowSeconds: 60, newSenderMaxLinks: 3, newSenderHours: 24 },
      }),
    });
    for (let i = 0; i < 3; i++) await sendMessage(t.deps, alice, t.id, { content: 'Buy now!' });
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: 'buy   NOW!' }))).toBe(
      'validation:MESSAGE.SPAM_REPEATED',
    );
    // another sender's same text is theirs to count
    expect(await kindOf(sendMessage(t.deps, bob, t.id, { content: 'Buy now!' }))).toBe('ok');
    // an idempotent retry of a stored send still gets its message
    const first = await sendMessage(t.deps, bob, t.id, { content: 'again', clientMessageId: 'r1' });
    for (let i = 0; i < 4; i++) await sendMessage(t.deps, bob, t.id, { content: 'again', clientMessageId: 'r1' });
    expect((await sendMessage(t.deps, bob, t.id, { content: 'again', clientMessageId: 'r1' })).result.message.id).toBe(
      first.result.message.id,
    );
    expect(await kindOf(editMessage(t.deps, alice, t.id, `${t.id}.1`, 'buy now!'))).toBe(
      'validation:MESSAGE.SPAM_REPEATED',
    );
    // (the window's expiry is the ephemeral contract's test: test/contract/ephemeral.contract.ts)
  });

  it('when a new sender posts many links, then it is refused; one link is fine, and so are many once they are no longer new', async () => {
    const t = await withGroup();
    const links = 'https://a.example https://b.example www.c.example https://d.example';
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: `see ${links}` }))).toBe(
      'validation:MESSAGE.SPAM_LINKS',
    );
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: 'see https://a.example' }))).toBe('ok');
    t.advance(25 * 3_600_000);
    expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: `see ${links}` }))).toBe('ok');
  });

  it('when the spam guard state is down, then sends go through and the failure is logged', async () => {
    const t = await withGroup();
    t.deps.ephemeral.noteSend = () => Promise.reject(new Error('redis down'));
    for (let i = 0; i < 5; i++) expect(await kindOf(sendMessage(t.deps, alice, t.id, { content: 'same' }))).toBe('ok');
    expect(t.logs.some((l) => l.message.includes('spam guard failed'))).toBe(true);
  });
});

describe('mentions and formatting', () => {
  it('when the text names participants with @, then they are mentioned beside the explicit ones and notified', async () => {
    const t = await withGroup();
    const { addParticipants } = await import('../../shared/app/conversations.js');
    await addParticipants(t.deps, alice, t.id, { userIds: ['carol'], role: 'member' });
    const { result } = await sendMessage(t.deps, alice, t.id, {
      content: 'hey @bob, ask @mallory and mail x@carol.example',
      mentions: ['carol'],
    });
    expect(result.message.mentions).toEqual(['carol', 'bob']);
    const pushes = await runMessageEvents(t);
    const mentioned = pushes.filter((p) => p.kind === 'event' && p.target === 'ReceiveNotification');
    expect(mentioned.length).toBeGreaterThanOrEqual(2);
  });

  it('when the text has emoticons and markdown, then content gets emoji and formattedContent sanitized HTML; settings turn both off', async () => {
    const t = await withGroup();
    const { result } = await sendMessage(t.deps, alice, t.id, {
      content: 'hi :) **bold** [x](javascript:alert(1)) <script>x</script>',
    });
    expect(result.message.content).toBe('hi 🙂 **bold** [x](javascript:alert(1)) <script>x</script>');
    expect(result.message.formattedContent).toBe(
      '<p>hi 🙂 <strong>bold</strong> [x](javascript:alert(1)) &lt;script&gt;x&lt;/script&gt;</p>',
    );
    const off = await withGroup({ content: memoryContent({ emoticons: false, markdown: false }) });
    const plain = await sendMessage(off.deps, alice, off.id, { content: 'hi :) **bold**' });
    expect(plain.result.message.content).toBe('hi :) **bold**');
    expect(plain.result.message.formattedContent).toBeUndefined();
  });
});
