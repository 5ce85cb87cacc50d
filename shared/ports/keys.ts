/**
 * Envelope encryption of sensitive message content: each conversation has a data key (AES-256) per version of the
 * key-encryption key (KEK); the data key is stored only wrapped by the KEK (Azure Key Vault, or a local key file).
 */
export interface DataKeyProvider {
  /** The data key new content of this conversation is sealed with, and the KEK version that wraps it. */
  current(conversationId: string): Promise<{ keyVersion: string; key: Buffer }>;
  /** The conversation's data key under this KEK version (content sealed before a rotation stays readable). */
  get(conversationId: string, keyVersion: string): Promise<Buffer>;
}

/** The key-encryption key: wraps and unwraps data keys; it never leaves its holder (Key Vault). */
export interface KeyWrapper {
  /** The version new data keys are wrapped with. */
  currentVersion(): Promise<string>;
  wrap(version: string, dataKey: Buffer): Promise<string>;
  unwrap(version: string, wrapped: string): Promise<Buffer>;
}

/** Where wrapped data keys are kept, by conversation and KEK version. */
export interface WrappedKeyStore {
  get(conversationId: string, keyVersion: string): Promise<string | null>;
  /** Stores the wrapped key unless one is there; returns the one that is stored (the first writer wins). */
  putIfAbsent(conversationId: string, keyVersion: string, wrapped: string): Promise<string>;
}
