// AES-256-GCM sealing of the clear text of masked sensitive data, with a conversation's data key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The encrypted clear text on a stored message; never shown to clients. */
export const SealedContentSchema = z.object({
  /** base64 of the 12-byte nonce, the 16-byte tag and the ciphertext */
  iv: z.string(),
  tag: z.string(),
  ciphertext: z.string(),
});
export type SealedContent = z.infer<typeof SealedContentSchema>;

/** What the ciphertext is bound to: it opens only as a message of this conversation and sender. */
export const sealingContext = (conversationId: string, senderId: string): string =>
  `chat-message\u0000${conversationId}\u0000${senderId}`;

export function sealText(key: Buffer, clear: string, context: string): SealedContent {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

/** The clear text; throws if the key, the context or any byte is wrong (GCM authentication). */
export function openText(key: Buffer, sealed: SealedContent, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
}
