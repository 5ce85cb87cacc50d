/**
 * Signed REST tokens reused while they are fresh: a push to the same user, group or connection path carries the
 * same audience, so signing it again for every call (≈6% of a busy send path) buys nothing.
 */
const REUSE_MARGIN_S = 60;
const MAX_ENTRIES = 20_000;

export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly sign: (audience: string, ttlSeconds: number) => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(audience: string): Promise<string> {
    const hit = this.tokens.get(audience);
    const now = this.now();
    if (hit !== undefined && hit.expiresAt - REUSE_MARGIN_S * 1000 > now) return hit.token;
    const token = await this.sign(audience, this.ttlSeconds);
    // why: bounded; the cache is only a shortcut, so dropping it all is safe
    if (this.tokens.size >= MAX_ENTRIES) this.tokens.clear();
    this.tokens.set(audience, { token, expiresAt: now + this.ttlSeconds * 1000 });
    return token;
  }
}
