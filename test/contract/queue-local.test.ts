import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBroker } from '../../local/queue/broker.js';
import { queueContract } from './queue.contract.js';

queueContract('local broker (file journal)', (limits) =>
  LocalBroker.open({ dir: mkdtempSync(join(tmpdir(), 'queues-')), limits }),
);
