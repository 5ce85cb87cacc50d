/**
 * Idempotent send (clientMessageId)
 *   1. Create the claim {seq: null, owner, claimedAt} in the conversation's partition BEFORE taking a seq.
 *   2. Created -> we own the id: take a seq (cosmos-seq.ts), then write the seq into the claim (IfMatch on our claim).
 *      If taking a seq fails, the claim is deleted again (IfMatch) so the client's retry can proceed at once.
 *   3. 409 -> the id was used: read the claim. It names a seq -> return that message, created = false, nothing
 *      written. Still pending -> poll (bounded, ~5 s, then `unavailable` with retry-after: the first send is
 *      still running). Pending for longer than ~30 s -> its writer died: look for a message with this
 *      clientMessageId in the partition (it may have died after creating it) and return it; otherwise take the
 *      claim over with an IfMatch replace (only one taker wins) and send.
 *   Limit: a writer that stalls for more than the takeover age between claiming and creating its message can
 *   race a taker; the takeover age is far above the SDK's request timeout, so that needs a process frozen mid-send.
 */
import { randomUUID } from 'node:crypto';
import { AppError, conflict } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { messageIdOf } from '../../domain/rules.js';
import { type DocumentContainer, decode } from './cosmos-container.js';
import { CLAIM, type ClaimDoc, claimIdOf, MESSAGE, type Stored } from './cosmos-docs.js';
import { isQuiet, sleep } from './cosmos-errors.js';

/** A claim this send holds: the send goes on and completes (or releases) it. */
export interface OwnedClaim {
  kind: 'owned';
  doc: ClaimDoc;
  etag: string;
}
export type ClaimOutcome = OwnedClaim | { kind: 'done'; message: Message };

export interface ClaimTiming {
  /** How long a duplicate send waits for the first one to finish. */
  claimWaitMs: number;
  /** Age after which a pending claim counts as abandoned and may be taken over. */
  staleClaimMs: number;
}

export class ClientIdClaims {
  /** `conversations`: the container of conversations, their messages and claims. */
  constructor(
    private readonly conversations: DocumentContainer,
    private readonly timing: ClaimTiming,
  ) {}

  /** Claims a clientMessageId for this send, or finds the message of the send that claimed it first. */
  async claim(
    conversationId: string,
    senderId: string,
    clientMessageId: string,
    ttl: number | undefined,
  ): Promise<ClaimOutcome> {
    const id = claimIdOf(senderId, clientMessageId);
    const deadline = Date.now() + this.timing.claimWaitMs;
    for (let attempt = 0; ; attempt++) {
      const owner = randomUUID();
      const doc: ClaimDoc = {
        id,
        conversationId,
        docType: 'claim',
        senderId,
        clientMessageId,
        seq: null,
        owner,
        claimedAt: new Date().toISOString(),
        writeId: owner,
        ...(ttl !== undefined && { ttl }),
      };
      const outcome = await this.conversations.create(doc, conversationId);
      if (outcome.created) return { kind: 'owned', doc, etag: outcome.etag };

      const found = outcome.existing ?? (await this.conversations.find(id, conversationId));
      const existing = found && decode(found, CLAIM);
      if (found && !existing)
        throw conflict('clientMessageId clashes with another document', 'MESSAGE.CLIENT_ID_CLASH');
      const seq = existing?.value.seq;
      if (seq !== null && seq !== undefined) {
        const first = await this.conversations.read(messageIdOf(conversationId, seq), conversationId, MESSAGE);
        if (first) return { kind: 'done', message: first.value };
        throw conflict(
          'the message sent with this clientMessageId is gone (retention); use a new clientMessageId',
          'MESSAGE.CLIENT_ID_EXPIRED',
        );
      }
      if (existing && Date.now() - Date.parse(existing.value.claimedAt) > this.timing.staleClaimMs) {
        const taken = await this.takeOver(existing);
        if (taken) return taken;
        continue;
      }
      if (Date.now() >= deadline) {
        throw new AppError(
          'unavailable',
          'MESSAGE.SEND_IN_PROGRESS',
          `a message with clientMessageId ${clientMessageId} is still being stored; retry shortly`,
          { retryAfterSeconds: 1 },
        );
      }
      // existing === null: the claim was released by a send that failed; the next round claims it at once
      if (existing !== null) await sleep(Math.min(250, 10 * 2 ** Math.min(attempt, 5)));
    }
  }

  /** The message a claim names, by a point read of the claim; a pending claim falls back to a partition query. */
  async find(conversationId: string, senderId: string, clientMessageId: string): Promise<Message | null> {
    const claim = await this.conversations.read(claimIdOf(senderId, clientMessageId), conversationId, CLAIM);
    if (!claim) return null;
    if (claim.value.seq === null) return this.storedMessage(claim.value);
    return (
      (await this.conversations.read(messageIdOf(conversationId, claim.value.seq), conversationId, MESSAGE))?.value ??
      null
    );
  }

  /** Writes the seq into our claim once the message is stored. */
  async complete(claim: OwnedClaim, seq: number): Promise<void> {
    try {
      // null (stale) means someone took the claim over; it finds our message by its clientMessageId
      await this.conversations.replace(
        { ...claim.doc, seq, writeId: randomUUID() },
        claim.doc.conversationId,
        claim.etag,
      );
    } catch (err) {
      // the message is stored; a claim left pending is resolved by the takeover, so the send still succeeds
      if (!isQuiet(err)) throw err;
    }
  }

  /** Gives the clientMessageId back after a send that failed before storing its message. */
  async release(claim: OwnedClaim): Promise<void> {
    try {
      await this.conversations.delete(claim.doc.id, claim.doc.conversationId, claim.etag);
    } catch {
      // best effort: a claim left behind is taken over once it is stale
    }
  }

  /** An abandoned pending claim: find the message its writer may have stored, else take the claim over (one taker wins). */
  private async takeOver(existing: Stored<ClaimDoc>): Promise<ClaimOutcome | null> {
    const { conversationId } = existing.value;
    const found = await this.storedMessage(existing.value);
    if (found) {
      await this.conversations.replace(
        { ...existing.value, seq: found.seq, writeId: randomUUID() },
        conversationId,
        existing.etag,
      );
      return { kind: 'done', message: found };
    }
    const owner = randomUUID();
    const doc: ClaimDoc = { ...existing.value, owner, writeId: owner, claimedAt: new Date().toISOString() };
    const etag = await this.conversations.replace(doc, conversationId, existing.etag);
    return etag === null ? null : { kind: 'owned', doc, etag };
  }

  /** The message a pending claim's writer may have stored before it stopped (first by seq). */
  private async storedMessage(claim: ClaimDoc): Promise<Message | null> {
    const [found] = await this.conversations.query(
      {
        query:
          "SELECT TOP 1 * FROM c WHERE c.conversationId = @c AND c.docType = 'message' AND c.senderId = @s AND c.clientMessageId = @m ORDER BY c.seq ASC",
        parameters: [
          { name: '@c', value: claim.conversationId },
          { name: '@s', value: claim.senderId },
          { name: '@m', value: claim.clientMessageId },
        ],
      },
      claim.conversationId,
      MESSAGE,
    );
    return found?.value ?? null;
  }
}
