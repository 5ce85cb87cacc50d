import type { z } from 'zod';
import { completeUpload, createUpload, readAttachment, uploadAttachment } from '../../shared/app/attachments.js';
import {
  AttachmentParamsSchema,
  CreateUploadBodySchema,
  ReadAttachmentQuerySchema,
  UploadFieldsSchema,
  VoiceFieldsSchema,
} from '../../shared/domain/attachment.js';
import { AppError } from '../../shared/domain/errors.js';
import { readUpload } from '../../shared/runtime/multipart.js';
import { route } from '../../shared/runtime/routes.js';
import { describeZodError } from '../../shared/runtime/validation.js';

const BASE = 'v1/messaging/attachments';

function fieldsOf<T>(schema: z.ZodType<T>, fields: Record<string, string>): T {
  const r = schema.safeParse(fields);
  if (r.success) return r.data;
  const { detail, errors } = describeZodError(r.error, 'body');
  throw new AppError('validation', 'REQUEST.INVALID_BODY', detail, { errors });
}

const maxBytes = (runtime: { settings: { attachments: { maxBytes: number } } }) =>
  runtime.settings.attachments.maxBytes;

route(
  {
    name: 'attachments-upload',
    method: 'POST',
    path: `${BASE}/upload`,
    multipart: { file: 'file', fields: UploadFieldsSchema },
    summary:
      'Upload a file (multipart/form-data: file, type image|document|audio|video, optional conversationId); checked, processed, stored',
    success: 201,
  },
  async ({ runtime, userId, request }) => {
    const { file, fields } = await readUpload(request, 'file', maxBytes(runtime));
    const { type, conversationId } = fieldsOf(UploadFieldsSchema, fields);
    const result = await uploadAttachment(
      runtime.deps,
      { userId },
      { type, ...(conversationId !== undefined && { conversationId }), ...file },
    );
    return { status: 201, body: result };
  },
);

route(
  {
    name: 'attachments-voice',
    method: 'POST',
    path: `${BASE}/voice`,
    multipart: { file: 'audio', fields: VoiceFieldsSchema },
    summary:
      'Upload a voice message (multipart/form-data: audio, duration in seconds); duration and waveform are measured',
    success: 201,
  },
  async ({ runtime, userId, request }) => {
    const { file, fields } = await readUpload(request, 'audio', maxBytes(runtime));
    const { conversationId } = fieldsOf(VoiceFieldsSchema, fields);
    const result = await uploadAttachment(
      runtime.deps,
      { userId },
      { type: 'audio', ...(conversationId !== undefined && { conversationId }), ...file },
    );
    return {
      status: 201,
      body: {
        attachmentId: result.attachmentId,
        url: result.url,
        waveform: result.metadata.waveform ?? [],
        durationSeconds: result.metadata.durationSeconds ?? 0,
        metadata: result.metadata,
      },
    };
  },
);

route(
  {
    name: 'attachments-create',
    method: 'POST',
    path: BASE,
    summary:
      'Start a direct upload: a write-only SAS URL for one blob (PUT the bytes, then POST …/{attachmentId}/complete)',
    body: CreateUploadBodySchema,
    success: 201,
  },
  async ({ runtime, userId, body }) => ({ status: 201, body: await createUpload(runtime.deps, { userId }, body) }),
);

route(
  {
    name: 'attachments-complete',
    method: 'POST',
    path: `${BASE}/{attachmentId}/complete`,
    summary:
      'Finish a direct upload: the blob’s real size and type are checked, then it is processed (answer as upload)',
    params: AttachmentParamsSchema,
    success: 201,
  },
  async ({ runtime, userId, params }) => ({
    status: 201,
    body: await completeUpload(runtime.deps, { userId }, params.attachmentId),
  }),
);

route(
  {
    name: 'attachments-get',
    method: 'GET',
    path: `${BASE}/{attachmentId}`,
    summary:
      'Read an attachment: 302 to a short-lived read SAS (or {url, expiresAt} with format=json), for participants who can see a message carrying it',
    params: AttachmentParamsSchema,
    query: ReadAttachmentQuerySchema,
  },
  async ({ runtime, userId, params, query }) => {
    const read = await readAttachment(runtime.deps, { userId }, params.attachmentId, query.variant);
    // why: the SAS is short-lived and personal to this check; nobody may cache the answer
    const headers = { 'cache-control': 'private, no-store' };
    if (query.format === 'json') return { status: 200, body: read, headers };
    return { status: 302, headers: { ...headers, location: read.url } };
  },
);
