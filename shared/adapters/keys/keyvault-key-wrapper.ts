// The key-encryption key in Azure Key Vault, reached with the function app's managed identity (role Key Vault
// Crypto User on the key). Data keys are wrapped with RSA-OAEP-256; the key never leaves the vault.
// CONTENT_KEK_ID without a version follows the key's newest version (looked up at most every 5 minutes), so a
// rotation in Key Vault reaches new messages by itself; with a version it is pinned.
import type { TokenCredential } from '@azure/identity';
import { CryptographyClient, KeyClient, parseKeyVaultKeyIdentifier } from '@azure/keyvault-keys';
import type { KeyWrapper } from '../../ports/keys.js';

const VERSION_TTL_MS = 5 * 60_000;
const ALGORITHM = 'RSA-OAEP-256';

export class KeyVaultKeyWrapper implements KeyWrapper {
  private readonly vaultUrl: string;
  private readonly name: string;
  private readonly pinned: string | undefined;
  private readonly keys: KeyClient;
  private readonly clients = new Map<string, CryptographyClient>();
  private latest: { version: string; until: number } | undefined;

  /** `keyId`: https://<vault>.vault.azure.net/keys/<name>[/<version>] */
  constructor(
    keyId: string,
    private readonly credential: TokenCredential,
  ) {
    const id = parseKeyVaultKeyIdentifier(keyId);
    this.vaultUrl = id.vaultUrl;
    this.name = id.name;
    this.pinned = id.version;
    this.keys = new KeyClient(id.vaultUrl, credential);
  }

  async currentVersion(): Promise<string> {
    if (this.pinned !== undefined) return this.pinned;
    if (this.latest !== undefined && this.latest.until > Date.now()) return this.latest.version;
    const key = await this.keys.getKey(this.name);
    const version = key.properties.version;
    if (version === undefined) throw new Error(`Key Vault key ${this.name} has no version`);
    this.latest = { version, until: Date.now() + VERSION_TTL_MS };
    return version;
  }

  private client(version: string): CryptographyClient {
    let client = this.clients.get(version);
    if (client === undefined) {
      client = new CryptographyClient(`${this.vaultUrl}/keys/${this.name}/${version}`, this.credential);
      this.clients.set(version, client);
    }
    return client;
  }

  async wrap(version: string, dataKey: Buffer): Promise<string> {
    const { result } = await this.client(version).wrapKey(ALGORITHM, dataKey);
    return Buffer.from(result).toString('base64');
  }

  async unwrap(version: string, wrapped: string): Promise<Buffer> {
    const { result } = await this.client(version).unwrapKey(ALGORITHM, Buffer.from(wrapped, 'base64'));
    return Buffer.from(result);
  }
}
