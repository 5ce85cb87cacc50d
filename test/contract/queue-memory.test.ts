import { LocalBroker } from '../../local/queue/broker.js';
import { queueContract } from './queue.contract.js';

queueContract('memory twin (no journal)', (limits) => LocalBroker.open({ limits }));
