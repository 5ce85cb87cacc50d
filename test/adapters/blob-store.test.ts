import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Azurite, startAzurite } from '../../local/azurite.js';
import { AzureBlobStore } from '../../shared/adapters/blob/azure-blob-store.js';
import { DEFENDER_RESULT_TAG, DefenderScanner } from '../../shared/adapters/blob/defender-scanner.js';

let azurite: Azurite;
let store: AzureBlobStore;
const container = `sas-${Date.now().toString(36)}`;

beforeAll(async () => {
  azurite = await startAzurite();
  store = AzureBlobStore.connect({ kind: 'connection-string', connectionString: azurite.connectionString, container });
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const put = (url: string, body: string) =>
  fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body });
/** The same SAS query on another blob of the container. */
const otherBlob = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = u.pathname.replace(/[^/]+\/upload$/, `${name}/upload`);
  return u.toString();
};

describe('attachments blob store on Azurite (real @azure/storage-blob)', () => {
  it('when a write SAS is issued for one blob, then it writes that blob only, cannot read it, and dies at its expiry', async () => {
    const url = await store.writeUrl('a1/upload', new Date(Date.now() + 60_000));
    expect((await put(url, 'hello')).status).toBe(201);
    expect((await put(otherBlob(url, 'b1'), 'sneaky')).status).toBe(403);
    expect(await store.stat('b1/upload')).toBeNull();
    expect((await fetch(url)).status).toBe(403);
    const read = await store.readUrl('a1/upload', new Date(Date.now() + 60_000));
    const got = await fetch(read);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('hello');
    expect((await put(read, 'overwrite')).status).toBe(403);
    expect((await fetch(otherBlob(read, 'b1'))).status).toBe(403);

    const short = await store.writeUrl('a2/upload', new Date(Date.now() + 1500));
    await new Promise((r) => setTimeout(r, 3000));
    expect((await put(short, 'late')).status).toBe(403);
    expect(await store.stat('a2/upload')).toBeNull();
  }, 30_000);

  it('when records are written with an etag, then only the writer holding the current one wins', async () => {
    expect(await store.putJson('r/record.json', { v: 1 }, null)).toBe(true);
    expect(await store.putJson('r/record.json', { v: 2 }, null)).toBe(false);
    const got = await store.getJson<{ v: number }>('r/record.json');
    expect(got?.value).toEqual({ v: 1 });
    expect(await store.putJson('r/record.json', { v: 2 }, got?.etag ?? '')).toBe(true);
    expect(await store.putJson('r/record.json', { v: 3 }, got?.etag ?? '')).toBe(false);
    expect((await store.getJson<{ v: number }>('r/record.json'))?.value).toEqual({ v: 2 });
    await store.delete(['r/record.json', 'never/there']);
    expect(await store.getJson('r/record.json')).toBeNull();
  });

  it('when a blob is larger than asked for, then get refuses it; list comes in name order', async () => {
    await store.put('l/b', new Uint8Array(10), 'application/octet-stream');
    await store.put('l/a', new Uint8Array(3), 'application/octet-stream');
    expect(await store.list('l/', 10)).toEqual(['l/a', 'l/b']);
    expect(await store.list('l/', 1)).toEqual(['l/a']);
    expect((await store.get('l/a', 3))?.length).toBe(3);
    await expect(store.get('l/b', 5)).rejects.toThrow(/more than 5/);
    expect(await store.get('l/none', 5)).toBeNull();
  });

  it('when Defender for Storage writes its verdict tag, then the scanner reads pending, clean or infected from it', async () => {
    const scanner = new DefenderScanner(store);
    await store.put('d/upload', new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(await scanner.scan('d/upload')).toBe('pending');
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(container)
      .getBlobClient('d/upload');
    await blob.setTags({ [DEFENDER_RESULT_TAG]: 'No threats found' });
    expect(await scanner.scan('d/upload')).toBe('clean');
    await blob.setTags({ [DEFENDER_RESULT_TAG]: 'Malicious' });
    expect(await scanner.scan('d/upload')).toBe('infected');
  });
});
