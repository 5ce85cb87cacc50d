// The local key-encryption key (npm start, tests): a JSON file of AES-256 keys by version, created on first start.
// Data keys are wrapped with AES Key Wrap (RFC 3394, `id-aes256-wrap`). Rotation adds a version and makes it current;
// old versions stay so data keys wrapped by them still open. On Azure the KEK lives in Key Vault instead.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { KeyWrapper } from '../../ports/keys.js';

const KeyFileSchema = z.object({
  current: z.string().min(1),
  keys: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 AES-256 key')),
});
type KeyFile = z.infer<typeof KeyFileSchema>;

// RFC 3394's default initial value
const IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

/** Reads the key file; a file another process has just created may still be empty for a moment: read it again. */
async function readKeyFile(path: string) {
  for (let attempt = 0; ; attempt++) {
    const text = await readFile(path, 'utf8');
    if (text.trim() !== '' || attempt >= 20) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return KeyFileSchema.safeParse(json);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class LocalKeyFile implements KeyWrapper {
  private constructor(
    /** null: kept in memory only (tests, benches) */
    private readonly path: string | null,
    private file: KeyFile,
  ) {}

  /** Opens the key file, creating it with a first random key (version 1, readable by its owner only) if absent. */
  static async open(path: string): Promise<LocalKeyFile> {
    await mkdir(dirname(path), { recursive: true });
    const fresh: KeyFile = { current: '1', keys: { '1': randomBytes(32).toString('base64') } };
    try {
      // why 'wx': two processes starting at once must not each write a different first key
      await writeFile(path, JSON.stringify(fresh, null, 2), { flag: 'wx', mode: 0o600 });
      return new LocalKeyFile(path, fresh);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const parsed = await readKeyFile(path);
    if (!parsed.success) throw new Error(`content key file ${path} is not a key file: ${parsed.error.message}`);
    if (parsed.data.keys[parsed.data.current] === undefined)
      throw new Error(`content key file ${path}: its current version ${parsed.data.current} has no key`);
    return new LocalKeyFile(path, parsed.data);
  }

  /** A key file that lives in memory only (tests and benches: nothing to clean up). */
  static inMemory(): LocalKeyFile {
    return new LocalKeyFile(null, { current: '1', keys: { '1': randomBytes(32).toString('base64') } });
  }

  /** A new key version, made current: new data keys are wrapped with it from now on. Returns the version. */
  async rotate(): Promise<string> {
    const version = String(Math.max(0, ...Object.keys(this.file.keys).map(Number).filter(Number.isFinite)) + 1);
    const next: KeyFile = {
      current: version,
      keys: { ...this.file.keys, [version]: randomBytes(32).toString('base64') },
    };
    if (this.path !== null) {
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(next, null, 2), { mode: 0o600 });
      await rename(tmp, this.path);
    }
    this.file = next;
    return version;
  }

  currentVersion(): Promise<string> {
    return Promise.resolve(this.file.current);
  }

  private kek(version: string): Buffer {
    const key = this.file.keys[version];
    if (key === undefined)
      throw new Error(`content key version ${version} is not in ${this.path ?? 'the in-memory key file'}`);
    return Buffer.from(key, 'base64');
  }

  // why Promise.resolve().then: a wrong key or version rejects the promise instead of throwing at the call
  wrap(version: string, dataKey: Buffer): Promise<string> {
    return Promise.resolve().then(() => {
      const cipher = createCipheriv('id-aes256-wrap', this.kek(version), IV);
      return Buffer.concat([cipher.update(dataKey), cipher.final()]).toString('base64');
    });
  }

  unwrap(version: string, wrapped: string): Promise<Buffer> {
    return Promise.resolve().then(() => {
      const decipher = createDecipheriv('id-aes256-wrap', this.kek(version), IV);
      return Buffer.concat([decipher.update(Buffer.from(wrapped, 'base64')), decipher.final()]);
    });
  }
}
