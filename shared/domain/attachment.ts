import { z } from 'zod';
import { ATTACHMENT_TYPES } from './message.js';
import { IdSchema } from './schemas-common.js';

export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Stored uploads are at most this big unless ATTACHMENT_MAX_BYTES says otherwise (the seed's 10 MB). */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
/** A direct-upload SAS is good for this long: long enough for 10 MB on a slow phone, short enough to be useless later. */
export const UPLOAD_SAS_SECONDS = 10 * 60;
/** A read SAS is good for this long: the client follows the redirect at once. */
export const READ_SAS_SECONDS = 5 * 60;
/** Uploads never attached to a message are removed after this long. */
export const ORPHAN_AFTER_HOURS = 24;
/** Points in a voice message's waveform. */
export const WAVEFORM_POINTS = 64;

export const IMAGE_VARIANTS = {
  full: { width: 1920, height: 1080, fit: 'inside' },
  thumb: { width: 400, height: 400, fit: 'inside' },
  micro: { width: 50, height: 50, fit: 'cover' },
} as const;
export const READ_VARIANTS = ['original', 'full', 'thumb', 'micro'] as const;
export type ReadVariant = (typeof READ_VARIANTS)[number];

/**
 * The content types each attachment type accepts, by their canonical name (what the sniffed bytes are reported as).
 * Text has no magic number: it is accepted when the bytes are valid UTF-8 without control characters.
 */
export const ALLOWED_TYPES: Record<AttachmentType, readonly string[]> = {
  image: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
  audio: ['audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/opus', 'audio/mp4', 'audio/aac', 'audio/webm', 'audio/flac'],
  video: ['video/mp4', 'video/quicktime', 'video/webm'],
  document: [
    'application/pdf',
    'text/plain',
    'text/csv',
    'application/zip',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.oasis.opendocument.spreadsheet',
  ],
};

/** Other names clients (and browsers' MediaRecorder) give the same formats. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/x-aac': 'audio/aac',
  'audio/x-flac': 'audio/flac',
  'video/webm': 'video/webm',
  'video/x-m4v': 'video/mp4',
  'application/x-zip-compressed': 'application/zip',
};

/** Formats that are one container under two names (an .m4a is an MP4; a WebM voice note may be sniffed as video). */
const SAME_CONTAINER: string[][] = [
  ['audio/mp4', 'audio/aac', 'video/mp4'],
  ['audio/webm', 'video/webm'],
  ['audio/ogg', 'audio/opus'],
  [
    'application/zip',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ],
  ['text/plain', 'text/csv'],
];

export function canonicalMime(mime: string): string {
  const bare = mime.split(';')[0]?.trim().toLowerCase() ?? '';
  return ALIASES[bare] ?? bare;
}

/** Declared types that say nothing (the real type is taken from the bytes). */
export const isUndeclared = (mime: string): boolean => ['application/octet-stream', ''].includes(canonicalMime(mime));

/** True when the declared and the sniffed type name the same format (or the same container). */
export function sameFormat(declared: string, sniffed: string): boolean {
  const a = canonicalMime(declared);
  const b = canonicalMime(sniffed);
  return a === b || SAME_CONTAINER.some((g) => g.includes(a) && g.includes(b));
}

/** The sniffed type as this attachment type accepts it, or null (an mp4 sent as audio is audio/mp4). */
export function acceptedAs(type: AttachmentType, sniffed: string): string | null {
  const mime = canonicalMime(sniffed);
  const allowed = ALLOWED_TYPES[type];
  if (allowed.includes(mime)) return mime;
  const group = SAME_CONTAINER.find((g) => g.includes(mime));
  return group?.find((m) => allowed.includes(m)) ?? null;
}

/** The API path that serves an upload (302 to a short-lived read SAS); messages carry it as the attachment's url. */
export const attachmentPath = (id: string, variant?: ReadVariant): string =>
  `/api/v1/messaging/attachments/${encodeURIComponent(id)}${variant && variant !== 'original' ? `?variant=${variant}` : ''}`;

export const SCAN_STATUSES = ['not_scanned', 'pending', 'clean', 'infected'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** Where an attachment appears: a message of a conversation (a forward adds another). */
export interface AttachmentLink {
  conversationId: string;
  messageId: string;
}

/** What the server learned from the bytes. */
export interface MediaFacts {
  width?: number;
  height?: number;
  durationSeconds?: number;
  waveform?: number[];
}

/**
 * An upload, kept beside its blobs. `awaiting_upload` (direct-upload SAS issued) → `ready` (checked and processed);
 * a refused upload is deleted, never kept. Attached at most once: `claim` is taken by the send that attaches it.
 */
export interface AttachmentRecord {
  id: string;
  ownerId: string;
  type: AttachmentType;
  /** The conversation named at upload (optional); a send into another one is refused. */
  conversationId: string | null;
  fileName: string;
  /** The declared type at upload; after processing, the type the bytes really are. */
  mimeType: string;
  /** Declared size for a direct upload; after processing, the size of the stored original. */
  size: number;
  status: 'awaiting_upload' | 'ready';
  /** The blob served as the original: the upload itself, or for images its re-encoded copy without metadata. */
  blob: string;
  scanStatus: ScanStatus;
  /** Blob variants made (the original is always there once ready). */
  variants: ('full' | 'thumb' | 'micro' | 'poster')[];
  facts: MediaFacts;
  createdAt: string;
  /** Set by the send that attached it (its conversation and clientMessageId), before the message is stored. */
  claim: { conversationId: string; senderId: string; clientMessageId: string } | null;
  links: AttachmentLink[];
}

// ---- inputs ----

/** True when the text holds a control character (C0 or DEL); tab, line feed, form feed and CR only if `allowBreaks`. */
export function hasControlChars(text: string, allowBreaks = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (allowBreaks && (c === 9 || c === 10 || c === 12 || c === 13)) continue;
    if (c < 32 || c === 127) return true;
  }
  return false;
}

const FileNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine((s) => !hasControlChars(s) && !/[/\\]/.test(s), 'must not contain control characters or slashes');

export const CreateUploadBodySchema = z
  .strictObject({
    fileName: FileNameSchema,
    mimeType: z
      .string()
      .min(3)
      .max(100)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must look like type/subtype'),
    size: z.number().int().positive(),
    type: z.enum(ATTACHMENT_TYPES),
    conversationId: IdSchema.optional(),
  })
  .describe('CreateUploadBody');
export type CreateUploadBody = z.infer<typeof CreateUploadBodySchema>;

export const AttachmentParamsSchema = z.strictObject({ attachmentId: IdSchema });

export const ReadAttachmentQuerySchema = z
  .strictObject({
    variant: z.enum(READ_VARIANTS).default('original'),
    format: z.enum(['redirect', 'json']).default('redirect'),
  })
  .describe('ReadAttachmentQuery');

/** The multipart fields of POST …/attachments/upload besides the file. */
export const UploadFieldsSchema = z.strictObject({
  type: z.enum(ATTACHMENT_TYPES),
  conversationId: IdSchema.optional(),
});

/** The multipart fields of POST …/attachments/voice besides the audio: the client's own idea of the length. */
export const VoiceFieldsSchema = z.strictObject({
  duration: z.coerce
    .number()
    .nonnegative()
    .max(24 * 3600),
  conversationId: IdSchema.optional(),
});
