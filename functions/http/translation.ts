// Translation routes: a message in another language on request, and the per-conversation auto-translate opt-in.
import { setAutoTranslate, translateMessage } from '../../shared/app/translation.js';
import { ConversationIdParamsSchema } from '../../shared/domain/conversation.js';
import { MessageParamsSchema } from '../../shared/domain/message.js';
import {
  AutoTranslateBodySchema,
  AutoTranslateResultSchema,
  TranslateBodySchema,
  TranslationResultSchema,
} from '../../shared/domain/translation.js';
import { route } from '../../shared/runtime/routes.js';

route(
  {
    name: 'messages-translate',
    method: 'POST',
    path: 'v1/messaging/conversations/{conversationId}/messages/{messageId}/translate',
    summary:
      'A message you can see, translated into targetLanguage (Azure AI Translator; kept per message and language until it is edited or deleted). 503 TRANSLATION.NOT_CONFIGURED without a Translator',
    params: MessageParamsSchema,
    body: TranslateBodySchema,
    response: TranslationResultSchema,
  },
  async ({ runtime, userId, params, body }) => ({
    status: 200,
    body: await translateMessage(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      body.targetLanguage,
    ),
  }),
);

route(
  {
    name: 'conversations-auto-translate',
    method: 'POST',
    path: 'v1/messaging/conversations/{conversationId}/auto-translate',
    summary:
      'Opt in (or out) to get new messages of this conversation translated into your preferred language (PUT /v1/messaging/preferences {language}) as OnMessageTranslated',
    params: ConversationIdParamsSchema,
    body: AutoTranslateBodySchema,
    response: AutoTranslateResultSchema,
  },
  async ({ runtime, userId, params, body }) => ({
    status: 200,
    body: await setAutoTranslate(runtime.deps, { userId }, params.conversationId, body.enabled),
  }),
);
