import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '../ports/system.js';

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdGenerator = { newId: (prefix) => `${prefix}_${randomUUID().replaceAll('-', '')}` };
