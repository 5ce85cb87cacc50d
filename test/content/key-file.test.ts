import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyFile } from '../../shared/adapters/keys/local-key-file.js';

describe('local key file (the KEK under npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'content-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when started the first time, then the file is created (owner only); later starts and rotations keep old versions working', async () => {
    const path = join(dir, 'nested', 'content-keys.json');
    const [first, concurrent] = await Promise.all([LocalKeyFile.open(path), LocalKeyFile.open(path)]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const dataKey = Buffer.alloc(32, 7);
    const wrapped = await first.wrap('1', dataKey);
    // the second opener read the first one's key, not a key of its own
    expect((await concurrent.unwrap('1', wrapped)).equals(dataKey)).toBe(true);
    expect(wrapped).not.toContain(dataKey.toString('base64'));

    expect(await first.rotate()).toBe('2');
    const reopened = await LocalKeyFile.open(path);
    expect(await reopened.currentVersion()).toBe('2');
    expect((await reopened.unwrap('1', wrapped)).equals(dataKey)).toBe(true);
    const wrapped2 = await reopened.wrap('2', dataKey);
    expect(wrapped2).not.toBe(wrapped);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).keys)).toEqual(['1', '2']);
    // a wrong key version fails loudly
    await expect(reopened.unwrap('2', wrapped)).rejects.toThrow();
    await expect(reopened.unwrap('9', wrapped)).rejects.toThrow(/version 9/);
  });
});
