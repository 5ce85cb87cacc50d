/** Memberships (inbox entries) in the memberships container, partitioned by user, one doc per conversation. */
import type { PatchOperation, SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import type { Membership } from '../../domain/conversation.js';
import { conflict, invalid } from '../../domain/errors.js';
import type { MembershipFilter, MembershipPage, Mutation } from '../../ports/store.js';
import { mapLimit } from '../lanes.js';
import type { DocumentContainer } from './cosmos-container.js';
import { MEMBERSHIP, membershipDoc } from './cosmos-docs.js';
import { statusOf } from './cosmos-errors.js';
import { updateDocument } from './cosmos-occ.js';
import { badToken, fingerprintOf, unwrapToken, wrapToken } from './cosmos-paging.js';

const MEMBER_PARALLELISM = 16;

/** What may go into a patch condition as a literal: an ISO 8601 instant, nothing that could end the string. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The inbox order of shared/domain/ordering.ts (inboxOrder) as a query, so the database pages through it; the
 * memberships container has the composite index for it (cosmos-setup.ts).
 */
const INBOX_ORDER = 'ORDER BY c.pinned DESC, c.lastActivityAt DESC, c.conversationId ASC';

export class CosmosMemberships {
  constructor(private readonly memberships: DocumentContainer) {}

  async get(userId: string, conversationId: string): Promise<Membership | null> {
    return (await this.memberships.read(conversationId, userId, MEMBERSHIP))?.value ?? null;
  }

  put(membership: Membership): Promise<void> {
    return this.memberships.upsert(membershipDoc(membership));
  }

  async update(userId: string, conversationId: string, mutate: Mutation<Membership>): Promise<Membership | null> {
    const updated = await updateDocument({
      docs: this.memberships,
      id: conversationId,
      partitionKey: userId,
      kind: MEMBERSHIP,
      missing: () => null,
      mutate,
      toDoc: (next) => membershipDoc({ ...next, userId, conversationId }),
      busy: () => conflict('the membership changed too often to update it; try again', 'MEMBERSHIP.BUSY'),
    });
    return updated?.value ?? null;
  }

  async delete(userId: string, conversationId: string): Promise<void> {
    await this.memberships.delete(conversationId, userId);
  }

  async advance(
    conversationId: string,
    userIds: string[],
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    if (!ISO_INSTANT.test(message.at)) throw invalid('at must be an ISO 8601 date-time');
    await mapLimit([...new Set(userIds)], MEMBER_PARALLELISM, (userId) =>
      this.advanceOne(userId, conversationId, message),
    );
  }

  async list(
    userId: string,
    filter: MembershipFilter,
    page: { pageSize: number; continuationToken?: string },
  ): Promise<MembershipPage> {
    const where = ['c.userId = @u'];
    const parameters: SqlParameter[] = [{ name: '@u', value: userId }];
    if (filter.type !== undefined) {
      where.push('c.conversationType = @t');
      parameters.push({ name: '@t', value: filter.type });
    }
    if (filter.archived !== undefined) {
      where.push('c.archived = @a');
      parameters.push({ name: '@a', value: filter.archived });
    }
    const spec: SqlQuerySpec = { query: `SELECT * FROM c WHERE ${where.join(' AND ')} ${INBOX_ORDER}`, parameters };
    const fingerprint = fingerprintOf({ userId, type: filter.type ?? null, archived: filter.archived ?? null });
    const pageSize = Math.max(1, Math.floor(page.pageSize));

    let sdkToken = page.continuationToken === undefined ? undefined : unwrapToken(page.continuationToken, fingerprint);
    const items: Membership[] = [];
    // why: a server may return fewer items than asked for (or none) with a token; keep reading until the page is full
    while (items.length < pageSize) {
      const result = await this.fetchPage(spec, userId, pageSize - items.length, sdkToken);
      items.push(...result.items.map((d) => d.value));
      sdkToken = result.continuationToken;
      if (sdkToken === undefined) break;
    }
    return { items, continuationToken: sdkToken === undefined ? null : wrapToken(fingerprint, sdkToken) };
  }

  async all(userId: string): Promise<Membership[]> {
    const docs = await this.memberships.query(
      { query: 'SELECT * FROM c WHERE c.userId = @u', parameters: [{ name: '@u', value: userId }] },
      userId,
      MEMBERSHIP,
    );
    return docs.map((d) => d.value);
  }

  private async fetchPage(spec: SqlQuerySpec, userId: string, maxItemCount: number, token: string | undefined) {
    try {
      return await this.memberships.queryPage(spec, userId, MEMBERSHIP, { maxItemCount, continuationToken: token });
    } catch (err) {
      // a token we issued never fails this way; a forged inner token does (400, or the SDK cannot parse it)
      if (token !== undefined && (statusOf(err) === 400 || statusOf(err) === undefined)) throw badToken();
      throw err;
    }
  }

  /**
   * Each field moves forward with its own server-side condition (a conditional patch is atomic), so concurrent sends
   * and reads never lose an update and nothing loops on ETags. Usually all of them move: one patch does it all.
   */
  private async advanceOne(
    userId: string,
    conversationId: string,
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    const { seq, at } = message;
    const parts: { operations: PatchOperation[]; condition: string }[] = [
      { operations: [{ op: 'set', path: '/lastSeq', value: seq }], condition: `c.lastSeq < ${seq}` },
      { operations: [{ op: 'set', path: '/lastActivityAt', value: at }], condition: `c.lastActivityAt < '${at}'` },
    ];
    if (userId === message.senderId) {
      parts.push({
        operations: [
          { op: 'set', path: '/lastReadSeq', value: seq },
          { op: 'set', path: '/lastReadAt', value: at },
          { op: 'set', path: '/draft', value: null },
        ],
        condition: `c.lastReadSeq < ${seq}`,
      });
    }
    if (this.memberships.conditionalPatch) {
      const all = await this.memberships.patchIf(
        conversationId,
        userId,
        parts.flatMap((p) => p.operations),
        parts.map((p) => p.condition).join(' AND '),
      );
      if (all !== 'precondition' && all !== 'unsupported') return;
      if (all === 'precondition') {
        const each = await Promise.all(
          parts.map((p) => this.memberships.patchIf(conversationId, userId, p.operations, p.condition)),
        );
        if (!each.includes('unsupported')) return;
      }
    }
    await this.update(userId, conversationId, (m) => {
      const mine = userId === message.senderId && m.lastReadSeq < seq;
      if (m.lastSeq >= seq && m.lastActivityAt >= at && !mine) return null;
      return {
        ...m,
        lastSeq: Math.max(m.lastSeq, seq),
        lastActivityAt: m.lastActivityAt < at ? at : m.lastActivityAt,
        ...(mine && { lastReadSeq: seq, lastReadAt: at, draft: null }),
      };
    });
  }
}
