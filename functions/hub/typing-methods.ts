// StartTyping(conversationId) / StopTyping(conversationId): the same in the listo and spec dialects (seeds 000, 002).
import type { z } from 'zod';
import { setTyping } from '../../shared/app/typing.js';
import { hubMethod } from '../../shared/runtime/hub.js';

type TypingMethod = { summary: string; args: z.ZodType<[string]> };

/** Registers both typing methods on a dialect hub (typing expires after 10 s; others get the dialect's event). */
export function typingMethods(hub: string, methods: { StartTyping: TypingMethod; StopTyping: TypingMethod }): void {
  for (const [method, on] of [
    ['StartTyping', true],
    ['StopTyping', false],
  ] as const)
    hubMethod(
      { hub, method, ...methods[method] },
      async ({ runtime, userId, connectionId, args: [conversationId] }) => {
        const { pushes } = await setTyping(runtime.deps, { userId, connectionId }, conversationId, on);
        return { pushes };
      },
    );
}
