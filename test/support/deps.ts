import { MarkdownHtmlRenderer } from '../../shared/adapters/content/markdown-html.js';
import { ObscenityProfanityScanner } from '../../shared/adapters/content/obscenity-profanity.js';
import { EnvelopeDataKeys } from '../../shared/adapters/keys/envelope-keys.js';
import { LocalKeyFile } from '../../shared/adapters/keys/local-key-file.js';
import { LocalPushSender } from '../../shared/adapters/memory/local-push.js';
import { MemoryEphemeralState } from '../../shared/adapters/memory/memory-ephemeral.js';
import { MemoryNotificationStore } from '../../shared/adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../../shared/adapters/memory/memory-store.js';
import { MemoryTemplateStore } from '../../shared/adapters/memory/memory-templates.js';
import { MemoryTranslationStore } from '../../shared/adapters/memory/memory-translations.js';
import { MemoryWrappedKeys } from '../../shared/adapters/memory/memory-wrapped-keys.js';
import type { ContentDeps, ContentSettings } from '../../shared/app/content-config.js';
import { createConversation } from '../../shared/app/conversations.js';
import type { AppDeps } from '../../shared/app/deps.js';
import { AppError } from '../../shared/domain/errors.js';
import { DEFAULT_RETENTION_DAYS } from '../../shared/domain/rules.js';
import type { Telemetry } from '../../shared/ports/system.js';
import { RecordingQueue } from './queue.js';

/** The content pipeline's defaults (as the settings' defaults), on a key file held in memory. */
export const DEFAULT_CONTENT_SETTINGS: ContentSettings = {
  profanityMode: 'mask',
  spam: { repeatMax: 3, repeatWindowSeconds: 60, newSenderMaxLinks: 3, newSenderHours: 24 },
  sensitiveData: true,
  emoticons: true,
  markdown: true,
};

export function memoryContent(
  settings: Partial<ContentSettings> = {},
  wrapper: LocalKeyFile = LocalKeyFile.inMemory(),
): ContentDeps {
  return {
    settings: { ...DEFAULT_CONTENT_SETTINGS, ...settings },
    profanity: new ObscenityProfanityScanner(),
    markdown: new MarkdownHtmlRenderer(),
    keys: new EnvelopeDataKeys(wrapper, new MemoryWrappedKeys()),
  };
}

/** Use-case dependencies on the memory adapters, with a clock the test moves and ids it can predict. */
export function memoryDeps(over: Partial<AppDeps> = {}) {
  let now = Date.parse('2026-11-22T10:00:00.000Z');
  let n = 0;
  const logs: { level: string; message: string }[] = [];
  const telemetry: Telemetry = {
    log: (level, message) => void logs.push({ level, message }),
    event: () => undefined,
    metric: () => undefined,
    dependency: () => undefined,
  };
  const queue = new RecordingQueue();
  const deps: AppDeps = {
    store: new MemoryConversationStore(),
    queue,
    push: new LocalPushSender(),
    pushGraceSeconds: 5,
    presenceOfflineGraceSeconds: 5,
    ephemeral: new MemoryEphemeralState(),
    notifications: new MemoryNotificationStore(() => now),
    templates: new MemoryTemplateStore(),
    clock: { now: () => new Date(now) },
    ids: { newId: (prefix) => `${prefix}_${++n}` },
    telemetry,
    retention: { byCategory: DEFAULT_RETENTION_DAYS, defaultDays: null },
    limits: { sendPerMinute: 60, typingPerMinute: 10, conversationsPerMinute: 10 },
    notificationTopics: ['orders', 'rides'],
    content: memoryContent(),
    translations: new MemoryTranslationStore(),
    translator: null,
    ...over,
  };
  return { deps, logs, queue, advance: (ms: number) => (now += ms) };
}

/** `ok`, or the `kind:code` of the AppError the promise rejects with. */
export async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? `${e.kind}:${e.code}` : 'unexpected';
  }
}

/** Memory deps with a direct conversation between alice and bob. */
export async function withDirect(over: Partial<AppDeps> = {}) {
  const t = memoryDeps(over);
  const { result } = await createConversation(t.deps, { userId: 'alice' }, { type: 'direct', participants: ['bob'] });
  return { ...t, id: result.conversationId };
}

/** Memory deps with a group owned by alice, with bob as a member. */
export async function withGroup(over: Partial<AppDeps> = {}) {
  const t = memoryDeps(over);
  const { result } = await createConversation(
    t.deps,
    { userId: 'alice' },
    { type: 'group', participants: ['bob'], title: 'g' },
  );
  return { ...t, id: result.conversationId };
}
