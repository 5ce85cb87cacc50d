import type { AttachmentRecord, ScanStatus } from '../domain/attachment.js';
import { AppError } from '../domain/errors.js';
import { type AttachmentServices, names, purge, updateRecord } from './attachments-records.js';
import type { AppDeps } from './deps.js';

type ScanDeps = Pick<AppDeps, 'telemetry'>;

export const infected = (): AppError =>
  new AppError(
    'validation',
    'ATTACHMENT.INFECTED',
    'the malware scanner found a threat in the file; it was deleted and cannot be sent',
  );

/**
 * The scan of a new upload: not_scanned without a scanner; ClamAV answers at once (infected: refused); Defender
 * answers later through the blob's index tag, and a scanner that failed is asked again by the sweep — both pending.
 */
export async function scanNew(
  deps: ScanDeps,
  s: AttachmentServices,
  record: AttachmentRecord,
  bytes: Uint8Array,
): Promise<ScanStatus> {
  if (s.scanner === null) return 'not_scanned';
  if (s.scanner.kind === 'clamav') {
    try {
      const verdict = await s.scanner.scan(record.blob, bytes);
      if (verdict === 'infected') {
        deps.telemetry.event('AttachmentInfected', { type: record.type, scanner: 'clamav' });
        throw infected();
      }
      if (verdict === 'clean') return 'clean';
    } catch (e) {
      if (e instanceof AppError) throw e;
      deps.telemetry.log('warn', 'malware scanner unavailable; the upload stays pending', { error: String(e) });
    }
  }
  await s.blobs.put(names.scanMarker(record.id), new Uint8Array(), 'application/octet-stream');
  return 'pending';
}

/**
 * Asks the scanner again about a pending upload: clean → recorded; infected → every blob deleted and refused (404
 * to readers from then on); still pending → a 409 with retry-after when `throwPending`, else the record as it is.
 */
export async function recheckScan(
  deps: ScanDeps,
  s: AttachmentServices,
  record: AttachmentRecord,
  opts: { throwPending: boolean },
): Promise<AttachmentRecord> {
  if (record.scanStatus !== 'pending' || s.scanner === null) return record;
  let verdict: 'clean' | 'infected' | 'pending' = 'pending';
  try {
    const bytes = s.scanner.kind === 'clamav' ? await s.blobs.get(record.blob, s.maxBytes) : new Uint8Array();
    if (bytes) verdict = await s.scanner.scan(record.blob, bytes);
  } catch (e) {
    deps.telemetry.log('warn', 'malware scanner unavailable; the upload stays pending', { error: String(e) });
  }
  if (verdict === 'infected') {
    deps.telemetry.event('AttachmentInfected', { type: record.type, scanner: s.scanner.kind });
    await purge(s.blobs, record);
    throw infected();
  }
  if (verdict === 'clean') {
    const clean = await updateRecord(s.blobs, record.id, (r) => ({ ...r, scanStatus: 'clean' }));
    await s.blobs.delete([names.scanMarker(record.id)]);
    return clean;
  }
  if (opts.throwPending)
    throw new AppError(
      'conflict',
      'ATTACHMENT.SCAN_PENDING',
      'the file is still being scanned for malware; retry soon',
      {
        retryAfterSeconds: 5,
      },
    );
  return record;
}
