import type { TokenCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  RestError,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { BlobInfo, BlobStore, JsonBlob } from '../../ports/attachments.js';

export type BlobConnection =
  /** Azurite or a key: account-key SAS. */
  | { kind: 'connection-string'; connectionString: string; container: string }
  /** Azure with the managed identity: user-delegation SAS (needs Storage Blob Delegator). */
  | { kind: 'identity'; endpoint: string; credential: TokenCredential; container: string };

const statusOf = (e: unknown): number | undefined => (e instanceof RestError ? e.statusCode : undefined);

async function drain(stream: NodeJS.ReadableStream | undefined, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream ?? []) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > maxBytes) throw new Error(`blob is larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * The attachments container on Azure Blob Storage (Azurite locally), through the real SDK. SAS URLs are signed with
 * the account key when there is one, otherwise with a user-delegation key of the managed identity (cached for an
 * hour, refreshed before it ends), so no key lives in the app on Azure.
 */
export class AzureBlobStore implements BlobStore {
  private readonly container: ContainerClient;
  private readonly sharedKey: StorageSharedKeyCredential | undefined;
  private delegation: { key: UserDelegationKey; until: number } | undefined;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly service: BlobServiceClient,
    containerName: string,
  ) {
    this.container = service.getContainerClient(containerName);
    this.sharedKey = service.credential instanceof StorageSharedKeyCredential ? service.credential : undefined;
  }

  static connect(conn: BlobConnection): AzureBlobStore {
    const service =
      conn.kind === 'connection-string'
        ? BlobServiceClient.fromConnectionString(conn.connectionString)
        : new BlobServiceClient(conn.endpoint, conn.credential);
    return new AzureBlobStore(service, conn.container);
  }

  /** Creates the private container once per process (Bicep declares it on Azure; Azurite starts empty). */
  private ready(): Promise<void> {
    this.ensured ??= this.container
      .createIfNotExists()
      .then(() => undefined)
      .catch((e: unknown) => {
        this.ensured = undefined;
        // why: with the identity the app may only have data rights; a container the Bicep made is fine
        if (statusOf(e) === 403) return;
        throw e;
      });
    return this.ensured;
  }

  async put(name: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.ready();
    await this.container
      .getBlockBlobClient(name)
      .uploadData(bytes, { blobHTTPHeaders: { blobContentType: contentType } });
  }

  async get(name: string, maxBytes: number): Promise<Uint8Array | null> {
    await this.ready();
    try {
      const res = await this.container.getBlobClient(name).download();
      if ((res.contentLength ?? 0) > maxBytes) {
        res.readableStreamBody?.resume();
        throw new Error(`blob ${name} is ${res.contentLength} bytes, more than ${maxBytes}`);
      }
      return await drain(res.readableStreamBody, maxBytes);
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  async stat(name: string): Promise<BlobInfo | null> {
    await this.ready();
    try {
      const p = await this.container.getBlobClient(name).getProperties();
      return { size: p.contentLength ?? 0, contentType: p.contentType, etag: p.etag ?? '' };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  async delete(names: string[]): Promise<void> {
    await this.ready();
    await Promise.all(names.map((n) => this.container.getBlobClient(n).deleteIfExists({ deleteSnapshots: 'include' })));
  }

  async list(prefix: string, limit: number): Promise<string[]> {
    await this.ready();
    const names: string[] = [];
    for await (const page of this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: Math.min(limit, 5000) })) {
      for (const b of page.segment.blobItems) names.push(b.name);
      if (names.length >= limit) break;
    }
    return names.slice(0, limit);
  }

  async getJson<T>(name: string): Promise<JsonBlob<T> | null> {
    await this.ready();
    try {
      const res = await this.container.getBlobClient(name).download();
      const bytes = await drain(res.readableStreamBody, 1024 * 1024);
      return { value: JSON.parse(Buffer.from(bytes).toString('utf8')) as T, etag: res.etag ?? '' };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  async putJson<T>(name: string, value: T, etag: string | null): Promise<boolean> {
    await this.ready();
    const body = Buffer.from(JSON.stringify(value));
    try {
      await this.container.getBlockBlobClient(name).upload(body, body.length, {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        conditions: etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag },
      });
      return true;
    } catch (e) {
      const status = statusOf(e);
      if (status === 412 || status === 409) return false;
      throw e;
    }
  }

  async tags(name: string): Promise<Record<string, string>> {
    await this.ready();
    try {
      return (await this.container.getBlobClient(name).getTags()).tags;
    } catch (e) {
      if (statusOf(e) === 404) return {};
      throw e;
    }
  }

  writeUrl(name: string, expiresAt: Date): Promise<string> {
    return this.sas(name, BlobSASPermissions.parse('cw'), expiresAt);
  }

  readUrl(name: string, expiresAt: Date, download?: { fileName: string; contentType: string }): Promise<string> {
    return this.sas(name, BlobSASPermissions.parse('r'), expiresAt, download);
  }

  private async sas(
    name: string,
    permissions: BlobSASPermissions,
    expiresOn: Date,
    download?: { fileName: string; contentType: string },
  ): Promise<string> {
    await this.ready();
    const blob = this.container.getBlobClient(name);
    // why: a little slack for clocks that run ahead of the storage service's
    const startsOn = new Date(Date.now() - 5 * 60_000);
    const fields = {
      containerName: this.container.containerName,
      blobName: name,
      permissions,
      startsOn,
      expiresOn,
      protocol: undefined,
      ...(download && {
        contentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(download.fileName)}`,
        contentType: download.contentType,
      }),
    };
    const query = this.sharedKey
      ? generateBlobSASQueryParameters(fields, this.sharedKey)
      : generateBlobSASQueryParameters(fields, await this.delegationKey(expiresOn), this.service.accountName);
    return `${blob.url}?${query.toString()}`;
  }

  /** A user-delegation key good past `until`, fetched at most about once an hour. */
  private async delegationKey(until: Date): Promise<UserDelegationKey> {
    const now = Date.now();
    if (this.delegation && this.delegation.until > until.getTime() + 60_000) return this.delegation.key;
    const start = new Date(now - 5 * 60_000);
    const end = new Date(now + 2 * 3600_000);
    const key = await this.service.getUserDelegationKey(start, end);
    this.delegation = { key, until: end.getTime() };
    return key;
  }
}
