/** User profiles (blocks) in the users container: one doc per user, id = userId; no doc reads as an empty profile. */
import type { UserProfile } from '../../domain/conversation.js';
import { conflict } from '../../domain/errors.js';
import type { Mutation } from '../../ports/store.js';
import type { DocumentContainer } from './cosmos-container.js';
import { PROFILE, profileDoc } from './cosmos-docs.js';
import { updateDocument } from './cosmos-occ.js';

const emptyProfile = (userId: string): UserProfile => ({ userId, blocked: [] });

export class CosmosProfiles {
  constructor(private readonly users: DocumentContainer) {}

  async get(userId: string): Promise<UserProfile> {
    return (await this.users.read(userId, userId, PROFILE))?.value ?? emptyProfile(userId);
  }

  /** The first update of a user creates the doc; a concurrent first update then loses the create and goes again. */
  async update(userId: string, mutate: Mutation<UserProfile>): Promise<UserProfile> {
    const updated = await updateDocument({
      docs: this.users,
      id: userId,
      partitionKey: userId,
      kind: PROFILE,
      missing: () => emptyProfile(userId),
      mutate,
      toDoc: (next) => profileDoc({ ...next, userId }),
      busy: () => conflict('the profile changed too often to update it; try again', 'PROFILE.BUSY'),
    });
    return updated?.value ?? emptyProfile(userId);
  }
}
