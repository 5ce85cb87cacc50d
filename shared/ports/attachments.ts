import type { MediaFacts } from '../domain/attachment.js';

export interface BlobInfo {
  size: number;
  contentType: string | undefined;
  etag: string;
}

/** A JSON document kept as a blob, with the ETag its conditional write needs. */
export interface JsonBlob<T> {
  value: T;
  etag: string;
}

/**
 * The private attachments container: blobs by name, JSON records with optimistic concurrency, blob index tags
 * (where Defender for Storage writes its verdict) and SAS URLs. Adapter: Azure Blob Storage (Azurite locally).
 */
export interface BlobStore {
  put(name: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The blob's bytes, or null when absent; refuses (throws) past `maxBytes` without reading it all. */
  get(name: string, maxBytes: number): Promise<Uint8Array | null>;
  stat(name: string): Promise<BlobInfo | null>;
  /** Deletes the blobs that exist; absent ones are fine. */
  delete(names: string[]): Promise<void>;
  /** Blob names under a prefix, in name order, at most `limit`. */
  list(prefix: string, limit: number): Promise<string[]>;
  getJson<T>(name: string): Promise<JsonBlob<T> | null>;
  /** Writes when the blob is still at `etag` (null: only if it does not exist); false when someone else won. */
  putJson<T>(name: string, value: T, etag: string | null): Promise<boolean>;
  tags(name: string): Promise<Record<string, string>>;
  /** A URL that can create/write exactly this blob (no read, no other blob) until `expiresAt`. */
  writeUrl(name: string, expiresAt: Date): Promise<string>;
  /** A URL that can read exactly this blob until `expiresAt` (user-delegation SAS on Azure, account-key locally). */
  readUrl(name: string, expiresAt: Date, download?: { fileName: string; contentType: string }): Promise<string>;
}

export interface ImageVariantOut {
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
}

export interface ProcessedImage {
  /** Re-encoded in its own format, orientation applied, EXIF/GPS and every other metadata dropped. */
  original: ImageVariantOut;
  full: ImageVariantOut;
  thumb: ImageVariantOut;
  micro: ImageVariantOut;
}

export interface ProcessedVideo extends MediaFacts {
  /** A frame from near the start, as JPEG, when the tool could take one. */
  poster?: Uint8Array;
}

/** What the bytes are and what can be made of them (sharp for images, ffmpeg for sound and video). */
export interface MediaProcessor {
  /** The real content type from the bytes' magic numbers (text: valid UTF-8), or null when unknown. */
  sniff(bytes: Uint8Array): Promise<string | null>;
  image(bytes: Uint8Array, mimeType: string): Promise<ProcessedImage>;
  /** Duration and normalized waveform peaks, decoded from the audio itself. */
  audio(bytes: Uint8Array, points: number): Promise<Required<Pick<MediaFacts, 'durationSeconds' | 'waveform'>>>;
  video(bytes: Uint8Array): Promise<ProcessedVideo>;
}

export type ScanVerdict = 'clean' | 'infected' | 'pending';

/**
 * Malware scanning. ClamAV (clamd INSTREAM) answers at once; Defender for Storage scans on upload and writes its
 * verdict into a blob index tag, read later (`pending` until then).
 */
export interface MalwareScanner {
  readonly kind: 'clamav' | 'defender';
  scan(blobName: string, bytes: Uint8Array): Promise<ScanVerdict>;
}
