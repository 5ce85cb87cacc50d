import { describe, expect, it } from 'vitest';
import { auditedJoin } from '../../shared/app/join-audit.js';
import type { Telemetry } from '../../shared/ports/system.js';
import { kindOf, withDirect } from '../support/deps.js';

describe('audit of join attempts', () => {
  it('when a participant joins and an outsider tries, then both attempts are structured events with their outcome', async () => {
    const events: { name: string; props?: Record<string, unknown> }[] = [];
    const telemetry: Telemetry = {
      log: () => undefined,
      event: (name, props) => void events.push({ name, props }),
      metric: () => undefined,
      dependency: () => undefined,
    };
    const { deps, id } = await withDirect({ telemetry });
    await auditedJoin(deps, { userId: 'bob', connectionId: 'c-bob' }, id, 'messaging');
    expect(await kindOf(auditedJoin(deps, { userId: 'mallory', connectionId: 'c-m' }, id, 'listo_messaging'))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
    expect(events).toEqual([
      {
        name: 'ConversationJoinAttempt',
        props: { conversationId: id, userId: 'bob', connectionId: 'c-bob', hub: 'messaging', outcome: 'granted' },
      },
      {
        name: 'ConversationJoinAttempt',
        props: {
          conversationId: id,
          userId: 'mallory',
          connectionId: 'c-m',
          hub: 'listo_messaging',
          outcome: 'refused',
          reason: 'CONVERSATION.NOT_FOUND',
        },
      },
    ]);
  });
});
