import type { AttachmentRecord, ReadVariant } from '../domain/attachment.js';
import { attachmentPath } from '../domain/attachment.js';
import { AppError, conflict, notFound } from '../domain/errors.js';
import type { Attachment } from '../domain/message.js';
import type { BlobStore, MalwareScanner, MediaProcessor } from '../ports/attachments.js';

/** The attachment ports and limits; absent from AppDeps when no storage is configured. */
export interface AttachmentServices {
  blobs: BlobStore;
  media: MediaProcessor;
  /** null: no scanner configured; uploads are marked not_scanned. */
  scanner: MalwareScanner | null;
  maxBytes: number;
}

export interface AttachmentDeps {
  attachments?: AttachmentServices;
}

/** The blob names of one upload. Markers under pending/ and scanning/ list what the sweep must look at. */
export const names = {
  record: (id: string) => `${id}/record.json`,
  upload: (id: string) => `${id}/upload`,
  original: (id: string) => `${id}/original`,
  variant: (id: string, v: 'full' | 'thumb' | 'micro' | 'poster') => `${id}/${v}`,
  /** Time first: a listing of pending/ comes oldest first, so the sweep stops at the first young one. */
  orphanMarker: (createdAt: string, id: string) => `pending/${createdAt}/${id}`,
  scanMarker: (id: string) => `scanning/${id}`,
};

/** Every blob an upload may have, its record and markers included. */
export const allBlobsOf = (r: AttachmentRecord): string[] => [
  names.upload(r.id),
  names.original(r.id),
  ...(['full', 'thumb', 'micro', 'poster'] as const).map((v) => names.variant(r.id, v)),
  names.orphanMarker(r.createdAt, r.id),
  names.scanMarker(r.id),
  names.record(r.id),
];

export function services(deps: AttachmentDeps): AttachmentServices {
  if (!deps.attachments)
    throw new AppError(
      'unavailable',
      'ATTACHMENTS.NOT_CONFIGURED',
      'attachments need blob storage: set ATTACHMENTS_STORAGE_CONNECTION_STRING or ATTACHMENTS_BLOB_ENDPOINT (npm start starts Azurite)',
    );
  return deps.attachments;
}

export async function loadRecord(blobs: BlobStore, id: string): Promise<{ record: AttachmentRecord; etag: string }> {
  const got = await blobs.getJson<AttachmentRecord>(names.record(id));
  if (!got) throw notFound('Attachment');
  return { record: got.value, etag: got.etag };
}

/**
 * Read-modify-write of a record with its ETag, retried when another writer got there first. `mutate` returns the
 * new record, or null to leave it.
 */
export async function updateRecord(
  blobs: BlobStore,
  id: string,
  mutate: (r: AttachmentRecord) => AttachmentRecord | null,
): Promise<AttachmentRecord> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const { record, etag } = await loadRecord(blobs, id);
    const next = mutate(record);
    if (next === null) return record;
    if (await blobs.putJson(names.record(id), next, etag)) return next;
  }
  throw conflict('the attachment is being changed by another request; retry', 'ATTACHMENT.BUSY');
}

/** The blob that serves a variant, or null when this upload has none of that kind. */
export function blobFor(r: AttachmentRecord, variant: ReadVariant): string | null {
  if (variant === 'original') return r.blob;
  return r.variants.includes(variant) ? names.variant(r.id, variant) : null;
}

/** The attachment as a message carries it: API paths, never blob URLs. */
export function attachmentOf(r: AttachmentRecord): Attachment {
  return {
    id: r.id,
    type: r.type,
    url: attachmentPath(r.id),
    fileName: r.fileName,
    mimeType: r.mimeType,
    size: r.size,
    ...(r.variants.includes('thumb') && { thumbnailUrl: attachmentPath(r.id, 'thumb') }),
    ...(r.facts.width !== undefined && { width: r.facts.width }),
    ...(r.facts.height !== undefined && { height: r.facts.height }),
    ...(r.facts.durationSeconds !== undefined && { durationSeconds: r.facts.durationSeconds }),
    ...(r.facts.waveform !== undefined && { waveform: r.facts.waveform }),
    scanStatus: r.scanStatus,
  };
}

/** Deletes every blob of the upload, the record last (so a crash in between leaves it findable for the sweep). */
export async function purge(blobs: BlobStore, r: AttachmentRecord): Promise<void> {
  const all = allBlobsOf(r);
  await blobs.delete(all.filter((n) => n !== names.record(r.id)));
  await blobs.delete([names.record(r.id)]);
}
