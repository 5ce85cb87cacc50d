import type { AttachmentRecord } from '../domain/attachment.js';
import { AppError, conflict, invalid } from '../domain/errors.js';
import { type Attachment, type AttachmentInput, isAttachmentRef, type Message } from '../domain/message.js';
import { type AttachmentDeps, attachmentOf, loadRecord, names, updateRecord } from './attachments-records.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';

type AttachDeps = AttachmentDeps & Pick<AppDeps, 'telemetry'>;

/** Who takes an upload: the send (conversation, sender, clientMessageId), so its own retry may take it again. */
export type Claim = NonNullable<AttachmentRecord['claim']>;

const sameClaim = (a: Claim, b: Claim) =>
  a.conversationId === b.conversationId && a.senderId === b.senderId && a.clientMessageId === b.clientMessageId;

const notYours = (id: string) =>
  invalid(`attachmentId ${id} does not name an upload of yours (upload it first)`, 'ATTACHMENT.NOT_FOUND');

/**
 * What a send's attachments become. `{attachmentId}`: an upload of the sender's that finished processing and no
 * other message carries; it is claimed for this send (exactly one send wins a race) and filled in from the upload.
 * Free-form objects keep their https URLs and are marked external (not scanned, not sized).
 */
export async function resolveAttachments(
  deps: AttachDeps,
  caller: Caller,
  claim: Claim,
  inputs: readonly AttachmentInput[],
): Promise<{ attachments: Attachment[]; claimed: string[] }> {
  const attachments: Attachment[] = [];
  const claimed: string[] = [];
  const seen = new Set<string>();
  try {
    for (const input of inputs) {
      if (!isAttachmentRef(input)) {
        attachments.push({ ...input, external: true });
        continue;
      }
      const id = input.attachmentId;
      if (seen.has(id)) throw invalid(`attachmentId ${id} is listed twice`, 'ATTACHMENT.DUPLICATE');
      seen.add(id);
      if (!deps.attachments) throw notYours(id);
      const blobs = deps.attachments.blobs;
      const { record } = await loadRecord(blobs, id).catch((e: unknown) => {
        throw e instanceof AppError && e.kind === 'not_found' ? notYours(id) : e;
      });
      if (record.ownerId !== caller.userId) throw notYours(id);
      if (record.status !== 'ready')
        throw conflict(`attachment ${id} is not processed yet: complete the upload first`, 'ATTACHMENT.NOT_READY');
      if (record.conversationId !== null && record.conversationId !== claim.conversationId)
        throw invalid(`attachment ${id} was uploaded for another conversation`, 'ATTACHMENT.OTHER_CONVERSATION');
      const taken = await updateRecord(blobs, id, (r) => {
        if (r.claim === null) return { ...r, claim };
        if (sameClaim(r.claim, claim)) return null;
        throw conflict(
          `attachment ${id} is attached to another message already; upload the file again to send it twice`,
          'ATTACHMENT.ALREADY_ATTACHED',
        );
      });
      claimed.push(id);
      attachments.push(attachmentOf(taken));
    }
  } catch (e) {
    await releaseClaims(deps, claim, claimed);
    throw e;
  }
  return { attachments, claimed };
}

/** Gives back uploads a send claimed but did not store (it was refused or failed). */
export async function releaseClaims(deps: AttachDeps, claim: Claim, ids: string[]): Promise<void> {
  const s = deps.attachments;
  if (!s) return;
  for (const id of ids)
    await quietly(deps, 'attachment claim release', () =>
      updateRecord(s.blobs, id, (r) =>
        r.claim && sameClaim(r.claim, claim) && r.links.length === 0 ? { ...r, claim: null } : null,
      ),
    );
}

/**
 * After the message is stored: each upload it carries records where it appears (reads are checked against that)
 * and loses its orphan marker. Best effort: the sweep finds an unlinked claim again by its clientMessageId.
 */
export async function linkAttachments(
  deps: AttachDeps,
  message: Pick<Message, 'id' | 'conversationId' | 'attachments'>,
): Promise<void> {
  const s = deps.attachments;
  if (!s) return;
  for (const a of message.attachments) {
    if (a.id === undefined || a.external === true) continue;
    const id = a.id;
    await quietly(deps, 'attachment link', async () => {
      const linked = await updateRecord(s.blobs, id, (r) =>
        r.links.some((l) => l.messageId === message.id && l.conversationId === message.conversationId)
          ? null
          : { ...r, links: [...r.links, { conversationId: message.conversationId, messageId: message.id }] },
      );
      await s.blobs.delete([names.orphanMarker(linked.createdAt, id)]);
    });
  }
}
