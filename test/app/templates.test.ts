import { describe, expect, it } from 'vitest';
import { createConversation, getConversation } from '../../shared/app/conversations.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { sendMessage } from '../../shared/app/messages.js';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  replaceTemplate,
} from '../../shared/app/templates.js';
import { checkWire, wireEvents } from '../../shared/contracts/index.js';
import { EVENTS } from '../../shared/domain/events.js';
import { renderTemplate, type TemplateBody } from '../../shared/domain/templates.js';
import { kindOf, memoryDeps } from '../support/deps.js';

const manager = { userId: 'ops', roles: ['Templates.Manage'] };
const body: TemplateBody = {
  name: 'Support',
  type: 'service_inquiry',
  initialMessage: 'Thanks for reaching out! An agent will answer shortly.',
  suggestedResponses: ['Where is my order?', 'Talk to a human'],
  automationRules: [],
  isActive: true,
};

describe('conversation templates', () => {
  it('when a caller without the Templates.Manage role lists, reads, creates, replaces or deletes, then 403 TEMPLATES.ROLE_REQUIRED; with it every call works', async () => {
    const { deps } = memoryDeps();
    const plain = { userId: 'alice', roles: ['Notifications.Send'] };
    const t = await createTemplate(deps, manager, body);
    const refused = 'forbidden:TEMPLATES.ROLE_REQUIRED';
    expect(await kindOf(listTemplates(deps, plain))).toBe(refused);
    expect(await kindOf(getTemplate(deps, plain, t.id))).toBe(refused);
    expect(await kindOf(createTemplate(deps, plain, body))).toBe(refused);
    expect(await kindOf(replaceTemplate(deps, plain, t.id, body))).toBe(refused);
    expect(await kindOf(deleteTemplate(deps, plain, t.id))).toBe(refused);
    expect((await listTemplates(deps, manager)).templates).toEqual([t]);
    const renamed = await replaceTemplate(deps, manager, t.id, { ...body, name: 'Support v2' });
    expect(renamed).toMatchObject({ id: t.id, name: 'Support v2', createdAt: t.createdAt });
    await deleteTemplate(deps, manager, t.id);
    expect(await kindOf(getTemplate(deps, manager, t.id))).toBe('not_found:TEMPLATE.NOT_FOUND');
    expect(await kindOf(deleteTemplate(deps, manager, t.id))).toBe('not_found:TEMPLATE.NOT_FOUND');
  });

  it('when a conversation is created from an active template, then it starts with the initial message and offers the suggested responses until the template is deactivated', async () => {
    const { deps } = memoryDeps();
    const t = await createTemplate(deps, manager, body);
    const { result, pushes } = await createConversation(
      deps,
      { userId: 'alice' },
      { type: 'group', title: 'help', participants: ['agent'], templateId: t.id, initialMessage: 'My parcel is late' },
    );
    const { messages } = await listMessages(deps, { userId: 'agent' }, result.conversationId, {
      limit: 10,
      includeDeleted: false,
    });
    expect(messages.map((m) => [m.seq, m.senderId, m.type, m.systemMessageType, m.content])).toEqual([
      [1, 'system', 'system', 'conversation_created', body.initialMessage],
      [2, 'alice', 'text', undefined, 'My parcel is late'],
    ]);
    const live = pushes.filter((p) => p.kind === 'event' && p.target === 'OnMessageReceived');
    expect(live.map((p) => p.kind === 'event' && p.payload.suggestedResponses)).toEqual([
      body.suggestedResponses,
      body.suggestedResponses,
    ]);
    // the spec dialect's ConversationUpdated (after each message) carries them too, and passes its schema
    const first = live[0];
    if (first?.kind !== 'event') throw new Error('no live message');
    const wire = wireEvents('spec', EVENTS.messageReceived, first.payload);
    if (!wire.ok) throw new Error(wire.error);
    const updated = wire.events.find((e) => e.target === 'ConversationUpdated');
    expect(updated && checkWire('spec', 'messaging', updated)).toBeUndefined();
    expect(updated?.args[0]).toMatchObject({ suggestedResponses: body.suggestedResponses });
    expect((await getConversation(deps, { userId: 'agent' }, result.conversationId)).suggestedResponses).toEqual(
      body.suggestedResponses,
    );
    await replaceTemplate(deps, manager, t.id, { ...body, isActive: false });
    expect((await getConversation(deps, { userId: 'agent' }, result.conversationId)).suggestedResponses).toEqual([]);
    // an inactive template is not used for new conversations
    expect(
      await kindOf(
        createConversation(deps, { userId: 'alice' }, { type: 'group', participants: ['bob'], templateId: t.id }),
      ),
    ).toBe('validation:TEMPLATE.UNUSABLE');
    const sent = await sendMessage(deps, { userId: 'agent' }, result.conversationId, { content: 'on it' });
    expect(sent.result.message.content).toBe('on it');
  });

  it('when a text has placeholders, then known ones are filled, unknown ones reported and left out without braces', () => {
    expect(renderTemplate('Hi {name}, ETA {eta}. Booking {id}!', { name: 'Ana', id: 7 })).toEqual({
      text: 'Hi Ana, ETA. Booking 7!',
      missing: ['eta'],
    });
    expect(renderTemplate('{a} {b}', {})).toEqual({ text: '', missing: ['a', 'b'] });
    expect(renderTemplate('{constructor} {toString}', {}).missing).toEqual(['constructor', 'toString']);
  });
});
