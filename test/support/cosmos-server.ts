/** Tests start the same embedded cosmosdb-server as the local stack. */
export { EMULATOR_KEY, startEmbeddedCosmos, type EmbeddedCosmos } from '../../shared/adapters/cosmos/embedded-server.js';
