// Azure Managed Redis (Azure Cache for Redis is retiring, all tiers). TLS only on port 10000; no access keys: the app
// authenticates with Entra ID (its managed identity; username = the identity's object id, password = a token),
// so there is no Redis secret anywhere. Clustering: EnterpriseCluster presents one endpoint (plain ioredis client);
// every Lua script's keys share one hash tag ({…}), so multi-key scripts stay in one slot (shared/adapters/redis/scripts.ts).
param location string
param tags object
param token string
@description('Object id of the app identity: gets the default data access policy')
param appPrincipalId string

resource redis 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: 'redis-${token}'
  location: location
  tags: tags
  // Balanced B0: the smallest Managed Redis with high availability (about the price of the old Standard C1)
  sku: { name: 'Balanced_B0' }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: redis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    // why: ephemeral state only; every key has a TTL, so evict the soonest-expiring first under pressure
    evictionPolicy: 'VolatileTTL'
    accessKeysAuthentication: 'Disabled'
  }
}

// Entra ID data access for the app identity (the built-in "default" policy: all commands the app uses)
resource appAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = {
  parent: database
  name: 'app${take(uniqueString(appPrincipalId), 8)}'
  properties: {
    accessPolicyName: 'default'
    user: { objectId: appPrincipalId }
  }
}

// not a secret: no password in it (REDIS_AUTH=entra)
output redisUrl string = 'rediss://${redis.properties.hostName}:${database.properties.port}'
