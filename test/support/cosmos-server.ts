/** Tests start the same embedded cosmosdb-server as the local stack. */
export {
  type EmbeddedCosmos,
  startEmbeddedCosmos,
} from '../../shared/adapters/cosmos/embedded-server.js';
