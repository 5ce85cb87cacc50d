import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { RESPONSES } from '../../shared/contracts/responses.js';
import { getRuntime } from '../../shared/runtime/container.js';
import { ROUTES } from '../../shared/runtime/routes.js';
import { apiClient, M } from '../support/api.js';
import { startFakeTranslator } from '../support/fake-translator.js';
import { connectClient, type TestClient } from '../support/hub.js';
import { risingToneWav } from '../support/media.js';
import { seedConnection } from '../support/seed-clients.js';

/**
 * Who may do what: every HTTP route and every hub method × every kind of caller, in one table.
 *   owner / admin / member   of a group G (owned by alice; a message of alice's in it)
 *   stranger                 never in G
 *   removed                  was in G, removed by the owner
 *   blocked                  blake, in a direct conversation D with alice, who blocks him (a message of his in D)
 *   anon                     no token
 * Conversation routes act on G, except the blocked column, which acts on D (the block relation lives there).
 * Cells: a status (2xx = any success) for HTTP; for hubs `ok` or the error code of the hub error, 401 for anon
 * (negotiate refuses). Rows that change membership or delete run against a world of their own per caller.
 */
type Cell = string;
// biome-ignore format: one line
type Row = [name: string, owner: Cell, admin: Cell, member: Cell, stranger: Cell, removed: Cell, blocked: Cell, anon: Cell];
const ROLES = ['owner', 'admin', 'member', 'stranger', 'removed', 'blocked', 'anon'] as const;
type Role = (typeof ROLES)[number];

// biome-ignore format: a table to review column by column
const HTTP: Row[] = [
  // route                          owner   admin   member  stranger removed blocked anon
  ['conversations-list',            '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['conversations-create',          '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '403',  '401'],
  ['conversations-get',             '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-update',          '2xx',  '2xx',  '403',  '404',  '404',  '400',  '401'],
  ['conversations-leave',           '2xx',  '2xx',  '2xx',  '404',  '404',  '409',  '401'],
  ['participants-list',             '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['participants-add',              '2xx',  '2xx',  '403',  '404',  '404',  '400',  '401'],
  ['participants-remove',           '2xx',  '2xx',  '403',  '404',  '404',  '409',  '401'],
  ['participants-role',             '2xx',  '403',  '403',  '404',  '404',  '400',  '401'],
  ['conversations-mute',            '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-archive',         '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-pin',             '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-notifications',   '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-settings',        '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['blocks-list',                   '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['blocks-add',                    '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['blocks-remove',                 '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['drafts-list',                   '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['drafts-get',                    '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['drafts-save',                   '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['drafts-clear',                  '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['messages-list',                 '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['messages-send',                 '2xx',  '2xx',  '2xx',  '404',  '404',  '403',  '401'],
  ['messages-search-conversation',  '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['messages-search',               '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['messages-get',                  '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['messages-edit',                 '2xx',  '403',  '403',  '404',  '404',  '403',  '401'],
  ['messages-delete',               '2xx',  '2xx',  '403',  '404',  '404',  '2xx',  '401'],
  ['messages-forward',              '2xx',  '2xx',  '2xx',  '404',  '404',  '403',  '401'],
  ['reactions-add',                 '2xx',  '2xx',  '2xx',  '404',  '404',  '403',  '401'],
  ['reactions-remove',              '2xx',  '2xx',  '2xx',  '404',  '404',  '403',  '401'],
  ['conversations-read',            '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  // blake can still read (and so translate) the direct conversation in which alice blocks him
  ['messages-translate',            '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['conversations-auto-translate',  '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  // outsiders get 200 with the ids in notFound (the same whether the conversation exists), checked below
  ['receipts-batch',                '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['notifications-send',            '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['notifications-list',            '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['notifications-ack',             '2xx',  '404',  '404',  '404',  '404',  '404',  '401'],
  ['notifications-read',            '2xx',  '404',  '404',  '404',  '404',  '404',  '401'],
  ['typing-start',                  '2xx',  '2xx',  '2xx',  '404',  '404',  '403',  '401'],
  ['typing-stop',                   '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['typing-get',                    '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  ['presence-update',               '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['presence-get',                  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['negotiate',                     '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['negotiate-notifications',       '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['negotiate-listo-messaging',     '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['negotiate-listo-notifications', '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['negotiate-spec-chat',           '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['dev-token',                     '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  ['devices-register',              '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['devices-unregister',            '404',  '404',  '404',  '404',  '404',  '404',  '401'],
  ['push-preferences',              '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['dev-push-outbox',               '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  // templates: only tokens with the app role Templates.Manage (none of these callers has it)
  ['templates-list',                '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['templates-create',              '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['templates-get',                 '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['templates-replace',             '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['templates-delete',              '403',  '403',  '403',  '403',  '403',  '403',  '401'],
  ['booking-event-schema',          '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  ['dev-booking-events',            '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  ['openapi',                       '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  ['asyncapi',                      '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  ['health',                        '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx'],
  // anyone signed in may upload (multipart); a conversation named at upload must be theirs
  ['attachments-upload',            '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['attachments-voice',             '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '2xx',  '401'],
  ['attachments-create',            '2xx',  '2xx',  '2xx',  '404',  '404',  '2xx',  '401'],
  // only the uploader completes their direct upload
  ['attachments-complete',          '2xx',  '404',  '404',  '404',  '404',  '404',  '401'],
  // only those who can see a message carrying it (an attachment of the owner's message in G)
  ['attachments-get',               '2xx',  '2xx',  '2xx',  '404',  '404',  '404',  '401'],
];

const NF = 'CONVERSATION.NOT_FOUND';
const CF = 'CHANNEL.FORBIDDEN';
const NNF = 'NOTIFICATION.NOT_FOUND';
const UB = 'USER.BLOCKED';
// biome-ignore format: a table to review column by column
const HUB: Row[] = [
  // hub method                              owner admin member stranger removed blocked anon
  ['messaging.SendMessage',                  'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['messaging.MarkAsRead',                   'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['messaging.MarkAsDelivered',              'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['messaging.StartTyping',                  'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['messaging.StopTyping',                   'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['messaging.JoinConversation',             'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['messaging.LeaveConversation',            'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  ['messaging.Ping',                         'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  ['messaging.InitiateCall',                 'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['messaging.AcceptCall',                   'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['messaging.DeclineCall',                  'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['messaging.EndCall',                      'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['notifications.SubscribeToChannel',       'ok',   'ok',   'ok',   CF,     CF,     'ok',   '401'],
  ['notifications.UnsubscribeFromChannel',   'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  ['notifications.AcknowledgeNotification',  'ok',   NNF,    NNF,    NNF,    NNF,    NNF,    '401'],
  ['notifications.MarkAsRead',               'ok',   NNF,    NNF,    NNF,    NNF,    NNF,    '401'],
  ['notifications.Ping',                     'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  // seed 000 ("listo") at /hubs/messaging and /hubs/notifications: positional arguments, the same use cases
  ['listo_messaging.SendMessage',            'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['listo_messaging.StartTyping',            'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['listo_messaging.StopTyping',             'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['listo_messaging.MarkAsRead',             'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['listo_messaging.JoinConversation',       'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['listo_messaging.LeaveConversation',      'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  ['listo_messaging.Ping',                   'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  ['listo_notifications.AcknowledgeNotification', 'ok', NNF, NNF,    NNF,    NNF,    NNF,    '401'],
  ['listo_notifications.MarkAsRead',         'ok',   NNF,    NNF,    NNF,    NNF,    NNF,    '401'],
  ['listo_notifications.SubscribeToChannel', 'ok',   'ok',   'ok',   CF,     CF,     'ok',   '401'],
  ['listo_notifications.UnsubscribeFromChannel', 'ok', 'ok', 'ok',   'ok',   'ok',   'ok',   '401'],
  ['listo_notifications.Ping',               'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
  // seed 002 ("spec") at /hubs/chat
  ['spec_chat.SendMessage',                  'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['spec_chat.MarkAsRead',                   'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['spec_chat.StartTyping',                  'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['spec_chat.StopTyping',                   'ok',   'ok',   'ok',   NF,     NF,     'ok',   '401'],
  ['spec_chat.AddReaction',                  'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['spec_chat.InitiateCall',                 'ok',   'ok',   'ok',   NF,     NF,     UB,     '401'],
  ['spec_chat.Ping',                         'ok',   'ok',   'ok',   'ok',   'ok',   'ok',   '401'],
];

/** The seed dialects' hubs, by the name the table uses, and their URL. */
const SEED_HUBS = {
  listo_messaging: '/hubs/messaging',
  listo_notifications: '/hubs/notifications',
  spec_chat: '/hubs/chat',
};

/** Rows whose success changes what other cells would see: each caller gets a world of its own. */
const OWN_WORLD = new Set(['conversations-leave', 'participants-remove', 'participants-role', 'messages-delete']);

const USERS: Record<Exclude<Role, 'anon'>, string> = {
  owner: 'mx-alice',
  admin: 'mx-adam',
  member: 'mx-bob',
  stranger: 'mx-sam',
  removed: 'mx-rita',
  blocked: 'mx-blake',
};

interface World {
  group: string;
  groupMessage: string;
}

describe('authorization matrix', () => {
  let stack: LocalStack;
  let translator: Awaited<ReturnType<typeof startFakeTranslator>>;
  let api: ReturnType<typeof apiClient>;
  const tokens = {} as Record<Role, string | undefined>;
  let direct: string;
  let directMessages: string[];
  let notificationId: string;
  let shared: World;
  /** An upload the owner sent in G, and a direct upload of the owner's, PUT but not completed. */
  let attached: string;
  let directUpload: string;
  const own = new Map<string, World>();
  const messaging = {} as Record<Role, TestClient>;
  const notifications = {} as Record<Role, HubConnection>;
  const seedHubs = {} as Record<string, HubConnection>;

  const call = async (method: string, path: string, token: string | undefined, body?: unknown, root = false) => {
    const r =
      body instanceof FormData
        ? await multipart(path, token, body)
        : await api.call(method, path, { token, body, root });
    if (r.status >= 500) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  const ok = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const r = await call(method, path, token, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };

  async function multipart(path: string, token: string | undefined, form: FormData) {
    const res = await fetch(`${stack.baseUrl}/api/${path}`, {
      method: 'POST',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }
  const fileForm = (field: string, extra: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(extra)) form.set(k, v);
    form.set(field, new Blob(['matrix file\n'], { type: 'text/plain' }), 'm.txt');
    return form;
  };

  async function buildWorld(): Promise<World> {
    const alice = tokens.owner;
    const { conversationId: group } = await ok('POST', `${M}/conversations`, alice, {
      type: 'group',
      title: 'matrix',
      participants: [USERS.admin, USERS.member, USERS.removed, 'mx-extra'],
    });
    await ok('PUT', `${M}/conversations/${group}/participants/${USERS.admin}`, alice, { role: 'admin' });
    await ok('DELETE', `${M}/conversations/${group}/participants`, alice, { userId: USERS.removed });
    const sent = await ok('POST', `${M}/conversations/${group}/messages`, alice, { content: 'hi from the owner' });
    return { group, groupMessage: sent.message.id };
  }

  beforeAll(async () => {
    // why: with a Translator (a local fake) the translate row shows who may translate, not that none is configured
    translator = await startFakeTranslator();
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      // why SPAM_REPEAT_MAX: every row sends the same text; the spam guard is tested on its own
      blobs: true,
      env: {
        NOTIFICATION_TOPICS: 'orders',
        RATE_LIMIT_CONVERSATIONS_PER_MINUTE: '1000',
        CLIENT_CONTRACTS: 'native,listo,spec',
        SPAM_REPEAT_MAX: '1000',
        TRANSLATOR_ENDPOINT: translator.endpoint,
        TRANSLATOR_KEY: translator.key,
      },
    });
    api = apiClient(stack.baseUrl);
    await Promise.all(
      Object.entries(USERS).map(async ([role, user]) => {
        tokens[role as Role] = await api.token(user);
      }),
    );
    tokens.anon = undefined;
    const d = await ok('POST', `${M}/conversations`, tokens.owner, { type: 'direct', participants: [USERS.blocked] });
    direct = d.conversationId;
    directMessages = [];
    for (const content of ['his first', 'his second']) {
      directMessages.push(
        (await ok('POST', `${M}/conversations/${direct}/messages`, tokens.blocked, { content })).message.id,
      );
    }
    await ok('POST', `${M}/blocks`, tokens.owner, { userId: USERS.blocked });
    shared = await buildWorld();
    await ok('POST', `${M}/conversations/${shared.group}/messages`, tokens.member, {
      content: `@${USERS.owner}`,
      mentions: [USERS.owner],
    });
    notificationId = (await ok('GET', 'v1/notifications', tokens.owner)).notifications[0].id;
    const up = await call('POST', `${M}/attachments/upload`, tokens.owner, fileForm('file', { type: 'document' }));
    attached = (up.body as { attachmentId: string }).attachmentId;
    await ok('POST', `${M}/conversations/${shared.group}/messages`, tokens.owner, {
      type: 'file',
      attachments: [{ attachmentId: attached }],
    });
    const start = await ok('POST', `${M}/attachments`, tokens.owner, {
      fileName: 'd.txt',
      mimeType: 'text/plain',
      size: 12,
      type: 'document',
    });
    directUpload = start.attachmentId;
    const put = await fetch(start.uploadUrl, { method: 'PUT', headers: start.uploadHeaders, body: 'direct file\n' });
    expect(put.status).toBe(201);
    await Promise.all(
      [...OWN_WORLD].flatMap((row) =>
        ROLES.filter((r) => r !== 'anon').map(async (role) => own.set(`${row}/${role}`, await buildWorld())),
      ),
    );
    await Promise.all(
      ROLES.filter((r) => r !== 'anon').map(async (role) => {
        const token = tokens[role] as string;
        messaging[role] = await connectClient(stack.baseUrl, token);
        const n = new HubConnectionBuilder()
          .withUrl(`${stack.baseUrl}/api/notifications`, { accessTokenFactory: () => token })
          .configureLogging(LogLevel.None)
          .build();
        await n.start();
        notifications[role] = n;
        for (const [hub, url] of Object.entries(SEED_HUBS)) {
          const { connection } = seedConnection(`${stack.baseUrl}${url}`, () => token, []);
          await connection.start();
          seedHubs[`${hub}/${role}`] = connection;
        }
      }),
    );
    // why: Azurite starts as a child process and uploads are processed; a loaded 2-core machine needs the room
  }, 90_000);

  afterAll(async () => {
    await Promise.all([
      ...Object.values(messaging).map((c) => c.stop()),
      ...Object.values(notifications).map((c) => c.stop()),
      ...Object.values(seedHubs).map((c) => c.stop()),
    ]);
    await stack?.stop();
    await translator?.stop();
  });

  /** The request a caller makes for a route: its path parameters and body. */
  function request(name: string, role: Role): { fill: Record<string, string>; body?: unknown; query?: string } {
    const world = OWN_WORLD.has(name) && role !== 'anon' ? (own.get(`${name}/${role}`) as World) : shared;
    const onDirect = role === 'blocked';
    const conversationId = onDirect ? direct : world.group;
    const messageId = onDirect ? (directMessages[name === 'messages-delete' ? 1 : 0] as string) : world.groupMessage;
    const fill = {
      conversationId,
      messageId,
      userId: USERS.member,
      notificationId,
      deviceId: 'mx-no-such-device',
      attachmentId: name === 'attachments-complete' ? directUpload : attached,
      templateId: 'mx-no-such-template',
    };
    const template = { name: 'mx', type: 'emergency', initialMessage: 'help is on the way' };
    const bodies: Record<string, unknown> = {
      'conversations-create': { type: 'group', title: 'new', participants: [USERS.owner, 'mx-zed'] },
      'conversations-update': { title: 'renamed' },
      'participants-add': { userIds: ['mx-newbie'] },
      'participants-remove': { userId: 'mx-extra' },
      'participants-role': { role: 'admin' },
      'conversations-mute': { muted: true },
      'conversations-archive': { archived: false },
      'conversations-pin': { pinned: true },
      'conversations-notifications': { level: 'mentions' },
      'conversations-settings': { muted: true, pinned: true },
      'blocks-add': { userId: 'mx-yuri' },
      'drafts-save': { content: 'draft' },
      'messages-send': { content: 'hello' },
      'messages-edit': { content: 'edited' },
      'messages-forward': { conversationIds: [conversationId] },
      'reactions-add': { reaction: '👍' },
      'reactions-remove': { reaction: '👍' },
      'conversations-read': { seq: 1 },
      'messages-translate': { targetLanguage: 'de' },
      'conversations-auto-translate': { enabled: true },
      'notifications-send': { userIds: [USERS.member], title: 't' },
      'typing-start': { conversationId },
      'typing-stop': { conversationId },
      'presence-update': { status: 'away' },
      'presence-get': { userIds: [USERS.owner] },
      'dev-token': { userId: 'mx-anyone' },
      'devices-register': { platform: 'fcm', token: 'mx-token' },
      'push-preferences': { privatePreviews: true },
      'attachments-upload': fileForm('file', { type: 'document' }),
      'attachments-voice': (() => {
        const form = new FormData();
        form.set('duration', '1');
        form.set('audio', new Blob([risingToneWav(0.5)], { type: 'audio/wav' }), 'v.wav');
        return form;
      })(),
      'attachments-create': { fileName: 'c.txt', mimeType: 'text/plain', size: 3, type: 'document', conversationId },
      'templates-create': template,
      'templates-replace': template,
      'dev-booking-events': {
        eventId: `mx-ev-${role}`,
        type: 'created',
        bookingId: `mx-booking-${role}`,
        customerId: 'mx-cust',
        providerId: 'mx-prov',
        occurredAt: '2026-11-22T09:00:00.000Z',
      },
    };
    const queries: Record<string, string> = {
      'messages-search': '?query=hi',
      'messages-search-conversation': '?query=hi',
      'messages-delete': '?forEveryone=true',
      'dev-push-outbox': `?userId=${USERS.member}`,
      'receipts-batch': `?ids=${encodeURIComponent(messageId)}`,
      // why: the JSON answer is the one with a schema; the 302 is followed to the blob itself
      'attachments-get': '?format=json',
    };
    return {
      fill: { ...fill, userId: name === 'blocks-remove' ? 'mx-yuri' : fill.userId },
      body: bodies[name],
      query: queries[name],
    };
  }

  const classOf = (status: number): string => (status >= 200 && status < 300 ? '2xx' : String(status));

  it('every HTTP route is in the table, once', () => {
    expect(HTTP.map(([name]) => name).sort()).toEqual(ROUTES.map((r) => r.name).sort());
  });

  it('every HTTP route × caller answers as the table says, with a body its OpenAPI response schema accepts', async () => {
    const wrongBodies: string[] = [];
    const outcome: string[] = [];
    const expected: string[] = [];
    for (const [name, ...cells] of HTTP) {
      const route = ROUTES.find((r) => r.name === name);
      if (!route) throw new Error(`no route ${name}`);
      const got = await Promise.all(
        ROLES.map(async (role) => {
          const { fill, body, query } = request(name, role);
          const path = route.path.replace(/\{(\w+)\}/g, (_, k: string) => fill[k] ?? `{${k}}`) + (query ?? '');
          const r = await call(route.method, path, tokens[role], body, route.root === true);
          // why: the OpenAPI response schemas must be true: every success body of the table is checked against its own
          const schema = route.response ?? RESPONSES[name];
          const parsed = r.status >= 200 && r.status < 300 && r.status !== 204 ? schema?.safeParse(r.body) : undefined;
          if (parsed && !parsed.success)
            wrongBodies.push(
              `${name}/${role}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
            );
          return classOf(r.status);
        }),
      );
      outcome.push(`${name}: ${got.join(' ')}`);
      expected.push(`${name}: ${cells.join(' ')}`);
    }
    expect(outcome).toEqual(expected);
    expect(wrongBodies).toEqual([]);
    // why: uploads are decoded and stored (sound through ffmpeg) on a shared 2-core machine
  }, 90_000);

  it('when an outsider asks for receipts of a message, then it is answered as not found and nothing is disclosed', async () => {
    const ids = `?ids=${encodeURIComponent(shared.groupMessage)}`;
    for (const role of ['stranger', 'removed', 'blocked'] as const) {
      const r = await ok('GET', `${M}/messages/receipts${ids}`, tokens[role]);
      expect(r, role).toEqual({ receipts: [], notFound: [shared.groupMessage] });
    }
    const member = await ok('GET', `${M}/messages/receipts${ids}`, tokens.member);
    expect(member.receipts.map((x: { messageId: string }) => x.messageId)).toEqual([shared.groupMessage]);
  });

  it('every hub method × caller answers as the table says', async () => {
    // anon: the hub is reached only through negotiate, which refuses a request without a token
    for (const path of ['negotiate', 'notifications/negotiate'])
      expect((await call('POST', path, undefined)).status).toBe(401);
    const outcome: string[] = [];
    const expected: string[] = [];
    for (const [name, ...cells] of HUB) {
      const [hub, method] = name.split('.') as [string, string];
      const got = await Promise.all(
        ROLES.map(async (role) => {
          if (role === 'anon') return '401';
          const conversationId = role === 'blocked' ? direct : shared.group;
          // why: only a real call of the conversation can be answered (CALL.NOT_FOUND otherwise); each cell gets its own
          const callId = `call-${role}-${method}`;
          if (['AcceptCall', 'DeclineCall', 'EndCall'].includes(method))
            await (await getRuntime()).deps.ephemeral.putCall(conversationId, callId, 60);
          const messageId = role === 'blocked' ? (directMessages[0] as string) : shared.groupMessage;
          const args: Record<string, unknown[]> = {
            SendMessage:
              hub === 'listo_messaging'
                ? [conversationId, 'via listo', null]
                : [{ conversationId, content: 'via hub' }],
            MarkAsRead: hub.endsWith('notifications')
              ? [notificationId]
              : hub === 'messaging'
                ? [conversationId, 1]
                : [conversationId, `${conversationId}.1`],
            AddReaction: [messageId, '👍'],
            MarkAsDelivered: [conversationId, 1],
            InitiateCall: [conversationId, 'audio'],
            AcceptCall: [conversationId, callId],
            DeclineCall: [conversationId, callId],
            EndCall: [conversationId, callId],
            Ping: [],
            AcknowledgeNotification: [notificationId],
            SubscribeToChannel: [`conversation:${conversationId}`],
            UnsubscribeFromChannel: [`conversation:${conversationId}`],
          };
          const conn =
            hub === 'messaging'
              ? messaging[role].conn
              : hub === 'notifications'
                ? notifications[role]
                : (seedHubs[`${hub}/${role}`] as HubConnection);
          try {
            await conn.invoke(method, ...(args[method] ?? [conversationId]));
            return 'ok';
          } catch (e) {
            // why: the code closes the documented text; the Functions host wraps it in "Result: Failure\nException: …\nStack: "
            return (
              /\(([A-Z_]+\.[A-Z_.]+)\)\s*(?:\nStack:.*)?$/s.exec((e as Error).message)?.[1] ?? (e as Error).message
            );
          }
        }),
      );
      outcome.push(`${name}: ${got.join(' ')}`);
      expected.push(`${name}: ${cells.join(' ')}`);
    }
    expect(outcome).toEqual(expected);
  });
});
