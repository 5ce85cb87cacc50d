import { MemoryEphemeralState } from '../../shared/adapters/memory/memory-ephemeral.js';
import { runEphemeralContract } from './ephemeral.contract.js';

runEphemeralContract('memory', (ttls) => Promise.resolve({ state: new MemoryEphemeralState({ ttls }), cleanup: () => Promise.resolve() }));
