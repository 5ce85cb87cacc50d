import { InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCoreApi } from '../../local/host/core-api.js';
import { SMALL_CONVERSATION_MAX } from '../../shared/app/delivery.js';
import { buildAsyncApi } from '../../shared/contracts/asyncapi.js';
import { DIALECT_HUBS, type Dialect } from '../../shared/contracts/dialects.js';
import { checkWire, wireEvents } from '../../shared/contracts/index.js';
import { LISTO_METHODS } from '../../shared/contracts/listo.js';
import { SPEC_METHODS } from '../../shared/contracts/spec.js';
import { EVENTS, type Push, toOthersInGroup } from '../../shared/domain/events.js';
import { HUB_OUTPUTS } from '../../shared/runtime/bindings.js';
import type { Runtime } from '../../shared/runtime/container.js';
import { deliver } from '../../shared/runtime/delivery.js';

type Json = Record<string, any>;

const message = {
  id: 'c1.1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'alice',
  type: 'text',
  content: 'hi',
  clientMessageId: 't1',
  replyToMessageId: null,
  mentions: [],
  attachments: [],
  location: null,
  reactions: {},
  isEdited: false,
  editedAt: null,
  editHistory: [],
  isDeleted: false,
  deletedAt: null,
  deletedBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  status: 'sent',
  readAt: null,
  failureCode: null,
  failureReason: null,
  tempId: 't1',
};

/**
 * A runtime with only what delivery reads; group sends are recorded. Conversation c1 has `participants` members
 * (alice first): above SMALL_CONVERSATION_MAX it is delivered through its group, else to each participant by user id.
 */
function fakeRuntime(dialects: Dialect[], participants = SMALL_CONVERSATION_MAX + 1) {
  const rest: { hub: string; group: string; target: string; excluded: readonly string[] }[] = [];
  const toUsers: string[] = [];
  const c1 = {
    id: 'c1',
    participants: Array.from({ length: participants }, (_, i) => ({ userId: i === 0 ? 'alice' : `u${i}` })),
  };
  const runtime = {
    settings: { clientContracts: dialects },
    deps: {
      telemetry: { log: () => undefined },
      store: { getConversation: (id: string) => Promise.resolve(id === 'c1' ? c1 : null) },
    },
    groupSender: {
      sendToGroup: (hub: string, group: string, m: { target: string }, excluded: readonly string[]) => {
        rest.push({ hub, group, target: m.target, excluded });
        return Promise.resolve();
      },
      sendToUsers: (hub: string, users: readonly string[], m: { target: string }) => {
        for (const u of users) toUsers.push(`${hub} ${m.target}>${u}`);
        return Promise.resolve();
      },
    },
  } as unknown as Runtime;
  return { runtime, rest, toUsers };
}

const outputs = (context: InvocationContext) =>
  Object.fromEntries(
    [...HUB_OUTPUTS].flatMap(([hub, out]) => {
      const v = context.extraOutputs.get(out) as { target?: string }[] | undefined;
      return v ? [[hub, v.map((i) => i.target ?? 'group')]] : [];
    }),
  );

describe('client contracts: delivery', () => {
  const received: Push = {
    kind: 'event',
    target: EVENTS.messageReceived,
    payload: message,
    to: { group: 'conversation:c1' },
  };

  it('when only native is enabled, then events reach only the native hubs (a deployment pays for what it uses)', async () => {
    const context = new InvocationContext();
    await deliver(context, fakeRuntime(['native']).runtime, [received]);
    expect(outputs(context)).toEqual({ messaging: ['OnMessageReceived'] });
  });

  it('when all dialects are enabled, then each hub gets its own events and user group changes reach every hub', async () => {
    const context = new InvocationContext();
    const join: Push = { kind: 'group', action: 'add', group: 'conversation:c1', userId: 'bob' };
    await deliver(context, fakeRuntime(['native', 'listo', 'spec']).runtime, [join, received]);
    expect(outputs(context)).toEqual({
      messaging: ['group', 'OnMessageReceived'],
      listo_messaging: ['group', 'OnMessageReceived'],
      spec_chat: ['group', 'ReceiveMessage', 'ConversationUpdated'],
    });
  });

  it('when a connection joins, then only its own hub is told; when it types, then one REST group send per hub excludes it', async () => {
    const context = new InvocationContext();
    const { runtime, rest } = fakeRuntime(['native', 'listo', 'spec']);
    const join: Push = { kind: 'group', action: 'add', group: 'conversation:c1', connectionId: 'conn-1' };
    const typing = toOthersInGroup(
      'c1',
      EVENTS.typing,
      { conversationId: 'c1', userId: 'alice', isTyping: true },
      'conn-1',
    );
    await deliver(context, runtime, [join, typing], 'listo_messaging');
    expect(outputs(context)).toEqual({ listo_messaging: ['group'] });
    expect(rest).toEqual([
      { hub: 'messaging', group: 'conversation:c1', target: 'OnTypingIndicator', excluded: ['conn-1'] },
      { hub: 'listo_messaging', group: 'conversation:c1', target: 'OnTypingIndicator', excluded: ['conn-1'] },
      { hub: 'spec_chat', group: 'conversation:c1', target: 'UserTyping', excluded: ['conn-1'] },
    ]);
  });

  it('when a small conversation is delivered per user, then every other participant gets it by user id on every hub and the typer gets no echo (a user send cannot leave out one connection)', async () => {
    const context = new InvocationContext();
    const { runtime, rest, toUsers } = fakeRuntime(['native', 'listo', 'spec'], 3);
    const typing = toOthersInGroup(
      'c1',
      EVENTS.typing,
      { conversationId: 'c1', userId: 'alice', isTyping: true },
      'conn-1',
      'alice',
    );
    await deliver(context, runtime, [typing], 'listo_messaging');
    expect(rest).toEqual([]);
    // why: to several users the runtime sends through the REST API (as audience-group sends), not the output binding
    expect(outputs(context)).toEqual({});
    expect(toUsers).toEqual([
      'messaging OnTypingIndicator>u1',
      'messaging OnTypingIndicator>u2',
      'listo_messaging OnTypingIndicator>u1',
      'listo_messaging OnTypingIndicator>u2',
      'spec_chat UserTyping>u1',
      'spec_chat UserTyping>u2',
    ]);
  });

  it('when a pushed payload breaks its contract, then the push fails under test (the suite-wide contract check)', async () => {
    const broken: Push = { ...received, payload: { ...message, seq: 'one' } };
    await expect(deliver(new InvocationContext(), fakeRuntime(['native']).runtime, [broken])).rejects.toThrow(
      /realtime contract broken: .*seq/,
    );
    await expect(deliver(new InvocationContext(), fakeRuntime(['listo']).runtime, [broken])).rejects.toThrow(
      /contract broken/,
    );
  });

  it('when a native event is translated, then the listo event carries positional arguments that match its schema', () => {
    const r = wireEvents('listo', EVENTS.messageRead, { conversationId: 'c1', userId: 'bob', seq: 3, readAt: 'x' });
    expect(r).toEqual({ ok: true, events: [{ target: 'OnMessageRead', args: ['c1', 'c1.3', 'bob', 'x'] }] });
    expect(checkWire('listo', 'messaging', { target: 'OnMessageRead', args: ['c1', 'c1.3', 'bob'] })).toMatch(
      /4 items/,
    );
    expect(
      wireEvents('spec', EVENTS.messageDeleted, {
        conversationId: 'c1',
        messageId: 'c1.1',
        seq: 1,
        deletedBy: 'a',
        forEveryone: true,
      }),
    ).toEqual({ ok: true, events: [] });
  });
});

describe('client contracts: AsyncAPI 3 and OpenAPI documents', () => {
  let asyncapi: Json;
  let openapi: Json;

  beforeAll(async () => {
    Object.assign(process.env, {
      AUTH_MODE: 'dev',
      AUTH_DEV_SECRET: 'x'.repeat(40),
      AzureSignalRConnectionString: 'Endpoint=http://localhost;Port=8888;AccessKey=k;Version=1.0;',
    });
    installCoreApi();
    await import('../../functions/index.js');
    const { HUB_METHODS } = await import('../../shared/runtime/hub.js');
    const { ROUTES } = await import('../../shared/runtime/routes.js');
    const { buildOpenApi } = await import('../../shared/runtime/openapi.js');
    asyncapi = buildAsyncApi(HUB_METHODS, 'http://localhost:7071');
    openapi = buildOpenApi(ROUTES, HUB_METHODS, 'http://localhost:7071');
  });

  /** Resolves a local `#/a/b/c` reference. */
  const deref = (doc: Json, ref: string): unknown =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);

  /** Follows `$ref`s until a value that is not a reference. */
  const resolve = (node: Json): unknown =>
    typeof node?.$ref === 'string' ? resolve(deref(asyncapi, node.$ref) as Json) : node;

  // Structural check against the AsyncAPI 3.0 spec's required fields (no validator library is installed).
  it('when the AsyncAPI document is built, then it has the 3.0 required fields and every reference resolves', () => {
    expect(asyncapi.asyncapi).toBe('3.0.0');
    expect(typeof asyncapi.info.title).toBe('string');
    expect(typeof asyncapi.info.version).toBe('string');
    for (const [name, server] of Object.entries<Json>(asyncapi.servers)) {
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(typeof server.host, name).toBe('string');
      expect(typeof server.protocol, name).toBe('string');
    }
    for (const [id, channel] of Object.entries<Json>(asyncapi.channels)) {
      expect(id).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(channel.address, id).toMatch(/^\//);
      for (const s of channel.servers) expect(deref(asyncapi, s.$ref), s.$ref).toBeDefined();
      for (const m of Object.values<Json>(channel.messages)) {
        const msg = resolve(m) as Json;
        expect(msg, m.$ref).toBeDefined();
        expect(msg.payload.type, m.$ref).toBe('array');
      }
    }
    for (const [id, op] of Object.entries<Json>(asyncapi.operations)) {
      expect(['send', 'receive'], id).toContain(op.action);
      const channelRef = op.channel.$ref as string;
      expect(deref(asyncapi, channelRef), id).toBeDefined();
      for (const m of op.messages) {
        expect(m.$ref.startsWith(`${channelRef}/messages/`), `${id}: its messages belong to its channel`).toBe(true);
        expect(deref(asyncapi, m.$ref), m.$ref).toBeDefined();
      }
    }
  });

  it('when the AsyncAPI document is read, then every hub, method and event of every dialect is in it', () => {
    const ops = Object.values<Json>(asyncapi.operations);
    const has = (hub: string, action: string, name: string) =>
      ops.some(
        (o) =>
          o.action === action &&
          o.channel.$ref === `#/channels/${hub}` &&
          (resolve(o.messages[0]) as Json).name === name,
      );
    for (const h of DIALECT_HUBS) expect(asyncapi.channels[h.hub]?.address).toBe(h.url);
    for (const m of Object.keys(LISTO_METHODS.messaging)) expect(has('listo_messaging', 'receive', m), m).toBe(true);
    for (const m of Object.keys(LISTO_METHODS.notifications))
      expect(has('listo_notifications', 'receive', m), m).toBe(true);
    for (const m of Object.keys(SPEC_METHODS.messaging)) expect(has('spec_chat', 'receive', m), m).toBe(true);
    for (const m of ['SendMessage', 'MarkAsRead', 'MarkAsDelivered', 'InitiateCall'])
      expect(has('messaging', 'receive', m)).toBe(true);
    for (const e of ['OnMessageReceived', 'OnParticipantsChanged', 'CallEnded'])
      expect(has('messaging', 'send', e)).toBe(true);
    for (const e of ['OnMessageReceived', 'OnTypingIndicator', 'OnMessageRead', 'UserOnline', 'UserOffline'])
      expect(has('listo_messaging', 'send', e), e).toBe(true);
    for (const e of ['ReceiveNotification', 'NotificationAcknowledged', 'NotificationRead', 'ReceiveNotificationBatch'])
      expect(has('listo_notifications', 'send', e), e).toBe(true);
    for (const e of [
      'ReceiveMessage',
      'ConversationUpdated',
      'MessagesRead',
      'UserTyping',
      'ReactionAdded',
      'IncomingCall',
    ])
      expect(has('spec_chat', 'send', e), e).toBe(true);
  });

  // Structural check against the OpenAPI 3.1 required fields (no validator library is installed).
  it('when the OpenAPI document is built, then it has the 3.1 required fields, unique operation ids and the seed negotiate paths', () => {
    expect(openapi.openapi).toBe('3.1.0');
    expect(typeof openapi.info.title).toBe('string');
    expect(typeof openapi.info.version).toBe('string');
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Json>(openapi.paths)) {
      expect(path).toMatch(/^\//);
      for (const [method, op] of Object.entries<Json>(item)) {
        expect(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'], path).toContain(method);
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const r of Object.values<Json>(op.responses))
          expect(typeof r.description, `${method} ${path}`).toBe('string');
        for (const p of op.parameters ?? []) if (p.in === 'path') expect(path).toContain(`{${p.name}}`);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
      }
    }
    for (const url of ['/hubs/messaging', '/hubs/notifications', '/hubs/chat'])
      expect(openapi.paths[`${url}/negotiate`]?.post, url).toBeDefined();
    expect(openapi.paths['/api/asyncapi.json']?.get).toBeDefined();
  });
});
