// why: test files run in parallel against one Redis and reuse user ids ("alice"); their presence, spam counters and
// the offline-pending set would meet under one prefix. Each file's stacks get their own (REDIS_KEY_PREFIX).
import { randomBytes } from 'node:crypto';

process.env.REDIS_KEY_PREFIX ??= `test-${randomBytes(4).toString('hex')}:`;
