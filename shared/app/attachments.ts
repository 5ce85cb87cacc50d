import {
  ALLOWED_TYPES,
  type AttachmentRecord,
  type AttachmentType,
  acceptedAs,
  attachmentPath,
  type CreateUploadBody,
  isUndeclared,
  type MediaFacts,
  READ_SAS_SECONDS,
  type ReadVariant,
  sameFormat,
  UPLOAD_SAS_SECONDS,
  WAVEFORM_POINTS,
} from '../domain/attachment.js';
import { AppError, invalid, notFound } from '../domain/errors.js';
import { loadAsParticipant, loadMessage } from './access.js';
import {
  type AttachmentDeps,
  type AttachmentServices,
  attachmentOf,
  blobFor,
  loadRecord,
  names,
  purge,
  services,
  updateRecord,
} from './attachments-records.js';
import { recheckScan, scanNew } from './attachments-scan.js';
import type { AppDeps, Caller } from './deps.js';
import { admit } from './rate-policy.js';

export type UploadDeps = AttachmentDeps &
  Pick<AppDeps, 'store' | 'clock' | 'ids' | 'telemetry' | 'ephemeral' | 'limits'>;

export interface UploadResult {
  attachmentId: string;
  url: string;
  thumbnailUrl: string | null;
  metadata: {
    type: AttachmentType;
    fileName: string;
    mimeType: string;
    size: number;
    width?: number;
    height?: number;
    durationSeconds?: number;
    waveform?: number[];
    scanStatus: AttachmentRecord['scanStatus'];
  };
}

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

export const tooLarge = (size: number, max: number): AppError =>
  new AppError(
    'too_large',
    'ATTACHMENT.TOO_LARGE',
    `the file is ${size} bytes; attachments are limited to ${max} bytes (${mb(max)})`,
  );

/** The conversation named at upload must be one the caller takes part in (404 otherwise, like every other read). */
async function checkConversation(deps: UploadDeps, caller: Caller, conversationId: string | undefined): Promise<void> {
  if (conversationId !== undefined) await loadAsParticipant(deps, caller, conversationId);
}

function newRecord(
  deps: UploadDeps,
  caller: Caller,
  input: { type: AttachmentType; conversationId?: string; fileName: string; mimeType: string; size: number },
): AttachmentRecord {
  const id = deps.ids.newId('att');
  return {
    id,
    ownerId: caller.userId,
    type: input.type,
    conversationId: input.conversationId ?? null,
    fileName: input.fileName,
    mimeType: input.mimeType,
    size: input.size,
    status: 'awaiting_upload',
    blob: names.upload(id),
    scanStatus: 'not_scanned',
    variants: [],
    facts: {},
    createdAt: deps.clock.now().toISOString(),
    claim: null,
    links: [],
  };
}

/** Creates the record and its orphan marker (the sweep removes the upload if no message ever carries it). */
async function register(blobs: AttachmentServices['blobs'], record: AttachmentRecord): Promise<void> {
  await blobs.put(names.orphanMarker(record.createdAt, record.id), new Uint8Array(), 'application/octet-stream');
  if (!(await blobs.putJson(names.record(record.id), record, null)))
    throw new Error(`attachment id ${record.id} already taken`);
}

/** The type the bytes really are, as this attachment type accepts it; refuses a mismatch or a type not allowed. */
async function checkType(s: AttachmentServices, record: AttachmentRecord, bytes: Uint8Array): Promise<string> {
  const sniffed = await s.media.sniff(bytes);
  if (sniffed === null)
    throw invalid(
      `the file's content is of no known type; ${record.type} attachments must be one of ${ALLOWED_TYPES[record.type].join(', ')}`,
      'ATTACHMENT.TYPE_NOT_ALLOWED',
    );
  const accepted = acceptedAs(record.type, sniffed);
  if (accepted === null)
    throw invalid(
      `the file is ${sniffed}; ${record.type} attachments must be one of ${ALLOWED_TYPES[record.type].join(', ')}`,
      'ATTACHMENT.TYPE_NOT_ALLOWED',
    );
  if (!isUndeclared(record.mimeType) && !sameFormat(record.mimeType, sniffed))
    throw invalid(`the file was declared ${record.mimeType} but its content is ${sniffed}`, 'ATTACHMENT.TYPE_MISMATCH');
  return accepted;
}

const unreadable = (record: AttachmentRecord, e: unknown): AppError =>
  invalid(
    `the ${record.type} could not be read: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`,
    'ATTACHMENT.UNREADABLE',
  );

/**
 * Checks and processes uploaded bytes (already stored at the record's upload blob when `stored`): size, real type,
 * malware scan, then images re-encoded without metadata plus full/thumb/micro, audio duration + waveform, video
 * duration + poster. A refused upload is deleted whole and the refusal thrown.
 */
async function process(
  deps: UploadDeps,
  record: AttachmentRecord,
  bytes: Uint8Array,
  stored: boolean,
): Promise<AttachmentRecord> {
  const s = services(deps);
  const started = Date.now();
  try {
    if (bytes.length > s.maxBytes) throw tooLarge(bytes.length, s.maxBytes);
    if (bytes.length === 0) throw invalid('the file is empty', 'ATTACHMENT.EMPTY');
    const mimeType = await checkType(s, record, bytes);
    // why: scanned before any decoder sees the bytes
    const scanStatus = await scanNew(deps, s, record, bytes);
    const facts: MediaFacts = {};
    const variants: AttachmentRecord['variants'] = [];
    let blob = names.upload(record.id);
    let size = bytes.length;
    let contentType = mimeType;
    const putVariants = async (img: Awaited<ReturnType<typeof s.media.image>>) => {
      await Promise.all(
        (['full', 'thumb', 'micro'] as const).map((v) =>
          s.blobs.put(names.variant(record.id, v), img[v].bytes, img[v].contentType),
        ),
      );
      variants.push('full', 'thumb', 'micro');
    };
    if (record.type === 'image') {
      const img = await s.media.image(bytes, mimeType).catch((e: unknown) => {
        throw unreadable(record, e);
      });
      blob = names.original(record.id);
      size = img.original.bytes.length;
      contentType = img.original.contentType;
      facts.width = img.original.width;
      facts.height = img.original.height;
      await s.blobs.put(blob, img.original.bytes, contentType);
      await putVariants(img);
      // why: the bytes as uploaded still carry EXIF/GPS; only the re-encoded copy is kept
      if (stored) await s.blobs.delete([names.upload(record.id)]);
    } else {
      if (record.type === 'audio') {
        Object.assign(
          facts,
          await s.media.audio(bytes, WAVEFORM_POINTS).catch((e: unknown) => {
            throw unreadable(record, e);
          }),
        );
      } else if (record.type === 'video') {
        const video = await s.media.video(bytes).catch((e: unknown) => {
          throw unreadable(record, e);
        });
        const { poster, ...rest } = video;
        Object.assign(facts, rest);
        if (poster) {
          await s.blobs.put(names.variant(record.id, 'poster'), poster, 'image/jpeg');
          variants.push('poster');
          const img = await s.media.image(poster, 'image/jpeg').catch(() => null);
          if (img) await putVariants(img);
        }
      }
      if (!stored) await s.blobs.put(blob, bytes, contentType);
    }
    const ready = await updateRecord(s.blobs, record.id, (r) => ({
      ...r,
      status: 'ready',
      blob,
      mimeType: contentType,
      size,
      facts,
      variants,
      scanStatus,
    }));
    deps.telemetry.metric('AttachmentProcessingMs', Date.now() - started, { type: record.type });
    return ready;
  } catch (e) {
    await purge(s.blobs, record).catch((err: unknown) =>
      deps.telemetry.log('warn', 'could not remove a refused upload', { id: record.id, error: String(err) }),
    );
    throw e;
  }
}

export function uploadResult(r: AttachmentRecord): UploadResult {
  const a = attachmentOf(r);
  return {
    attachmentId: r.id,
    url: a.url,
    thumbnailUrl: a.thumbnailUrl ?? null,
    metadata: {
      type: r.type,
      fileName: r.fileName,
      mimeType: r.mimeType,
      size: r.size,
      ...r.facts,
      scanStatus: r.scanStatus,
    },
  };
}

/** POST …/attachments/upload and …/voice: the bytes came in the request; checked, processed and stored at once. */
export async function uploadAttachment(
  deps: UploadDeps,
  caller: Caller,
  input: { type: AttachmentType; conversationId?: string; fileName: string; mimeType: string; bytes: Uint8Array },
): Promise<UploadResult> {
  const s = services(deps);
  if (input.bytes.length > s.maxBytes) throw tooLarge(input.bytes.length, s.maxBytes);
  await admit(deps, 'upload', caller.userId);
  await checkConversation(deps, caller, input.conversationId);
  const record = newRecord(deps, caller, { ...input, size: input.bytes.length });
  await register(s.blobs, record);
  return uploadResult(await process(deps, record, input.bytes, false));
}

export interface DirectUpload {
  attachmentId: string;
  /** PUT the bytes here with `x-ms-blob-type: BlockBlob`; it can write this one blob only, until expiresAt. */
  uploadUrl: string;
  uploadHeaders: Record<string, string>;
  expiresAt: string;
  completeUrl: string;
}

/** POST …/attachments: a write-only SAS for exactly one new blob, minutes long; then …/{id}/complete. */
export async function createUpload(deps: UploadDeps, caller: Caller, body: CreateUploadBody): Promise<DirectUpload> {
  const s = services(deps);
  if (body.size > s.maxBytes) throw tooLarge(body.size, s.maxBytes);
  const accepted = ALLOWED_TYPES[body.type];
  if (!isUndeclared(body.mimeType) && acceptedAs(body.type, body.mimeType) === null)
    throw invalid(
      `${body.mimeType} is not allowed for ${body.type} attachments; use one of ${accepted.join(', ')}`,
      'ATTACHMENT.TYPE_NOT_ALLOWED',
    );
  await admit(deps, 'upload', caller.userId);
  await checkConversation(deps, caller, body.conversationId);
  const record = newRecord(deps, caller, body);
  await register(s.blobs, record);
  const expiresAt = new Date(deps.clock.now().getTime() + UPLOAD_SAS_SECONDS * 1000);
  return {
    attachmentId: record.id,
    uploadUrl: await s.blobs.writeUrl(names.upload(record.id), expiresAt),
    uploadHeaders: { 'x-ms-blob-type': 'BlockBlob', 'content-type': body.mimeType },
    expiresAt: expiresAt.toISOString(),
    completeUrl: `${attachmentPath(record.id)}/complete`,
  };
}

/** POST …/attachments/{id}/complete: the uploaded blob's real size and type are checked, then it is processed. */
export async function completeUpload(deps: UploadDeps, caller: Caller, attachmentId: string): Promise<UploadResult> {
  const s = services(deps);
  const { record } = await loadRecord(s.blobs, attachmentId);
  if (record.ownerId !== caller.userId) throw notFound('Attachment');
  if (record.status === 'ready') return uploadResult(record);
  const info = await s.blobs.stat(names.upload(record.id));
  if (!info) throw invalid('nothing was uploaded yet: PUT the file to uploadUrl first', 'ATTACHMENT.NOT_UPLOADED');
  if (info.size > s.maxBytes) {
    await purge(s.blobs, record);
    throw tooLarge(info.size, s.maxBytes);
  }
  const bytes = await s.blobs.get(names.upload(record.id), s.maxBytes);
  if (!bytes) throw invalid('nothing was uploaded yet: PUT the file to uploadUrl first', 'ATTACHMENT.NOT_UPLOADED');
  return uploadResult(await process(deps, record, bytes, true));
}

export type ReadDeps = AttachmentDeps & Pick<AppDeps, 'store' | 'clock' | 'telemetry'>;

/**
 * A short-lived read SAS for one variant, only for those who may see it: the uploader while it is attached to
 * nothing, then the participants who can see a message that carries it (404 for everyone else, as for messages).
 */
export async function readAttachment(
  deps: ReadDeps,
  caller: Caller,
  attachmentId: string,
  variant: ReadVariant,
): Promise<{ url: string; expiresAt: string }> {
  const s = services(deps);
  const { record } = await loadRecord(s.blobs, attachmentId);
  if (!(await maySee(deps, caller, record))) throw notFound('Attachment');
  if (record.status !== 'ready')
    throw new AppError('conflict', 'ATTACHMENT.NOT_READY', 'the upload was not completed yet');
  const checked = await recheckScan(deps, s, record, { throwPending: true });
  const blob = blobFor(checked, variant);
  if (blob === null) throw notFound(`Attachment variant ${variant}`);
  const expiresAt = new Date(deps.clock.now().getTime() + READ_SAS_SECONDS * 1000);
  // why: the original downloads under the name it was uploaded with; variants keep their own image type
  const url = await s.blobs.readUrl(
    blob,
    expiresAt,
    variant === 'original' ? { fileName: checked.fileName, contentType: checked.mimeType } : undefined,
  );
  return { url, expiresAt: expiresAt.toISOString() };
}

async function maySee(deps: ReadDeps, caller: Caller, record: AttachmentRecord): Promise<boolean> {
  if (record.links.length === 0) return record.ownerId === caller.userId;
  for (const link of record.links) {
    try {
      const { message } = await loadMessage(deps, caller, link.conversationId, link.messageId);
      if (!message.isDeleted && message.attachments.some((a) => a.id === record.id && a.external !== true)) return true;
    } catch (e) {
      if (!(e instanceof AppError && e.kind === 'not_found')) throw e;
    }
  }
  return false;
}
