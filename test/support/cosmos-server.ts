/** Tests start the same embedded cosmosdb-server as the local stack. */
export {
  EMULATOR_KEY,
  type EmbeddedCosmos,
  startEmbeddedCosmos,
} from '../../shared/adapters/cosmos/embedded-server.js';
