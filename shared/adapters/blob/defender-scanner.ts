import type { BlobStore, MalwareScanner, ScanVerdict } from '../../ports/attachments.js';

/** The index tag Microsoft Defender for Storage writes on each scanned blob, and its two verdicts. */
export const DEFENDER_RESULT_TAG = 'Malware Scanning scan result';

/**
 * Defender for Storage scans each blob on upload (Bicep turns on-upload malware scanning on) and writes its verdict
 * into the blob's index tags; until the tag is there the upload is pending.
 */
export class DefenderScanner implements MalwareScanner {
  readonly kind = 'defender' as const;
  constructor(private readonly blobs: BlobStore) {}

  async scan(blobName: string): Promise<ScanVerdict> {
    const result = (await this.blobs.tags(blobName))[DEFENDER_RESULT_TAG];
    if (result === undefined) return 'pending';
    return result === 'No threats found' ? 'clean' : result === 'Malicious' ? 'infected' : 'pending';
  }
}
