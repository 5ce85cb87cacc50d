// Azure Cache for Redis, TLS only. ioredis authenticates with the access key, the one secret we cannot avoid:
// it lives in the app's Key Vault as a full rediss:// URL and the REDIS_URL app setting is a Key Vault reference.
param location string
param tags object
param token string
param purgeProtection bool

resource redis 'Microsoft.Cache/redis@2024-11-01' = {
  name: 'redis-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'Standard', family: 'C', capacity: 1 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    redisVersion: '6'
    redisConfiguration: {
      // why: ephemeral state only; every key has a TTL, so evict the soonest-expiring first under pressure
      'maxmemory-policy': 'volatile-ttl'
    }
  }
}

// The app's secrets (today only redis-url). The Functions host keys live in their own vault (host-keys.bicep).
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${take(token, 20)}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource redisUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-url'
  properties: {
    contentType: 'text/plain'
    // why uriComponent: the key is base64 ('/', '+', '='); a raw '/' ends the URL's authority, and ioredis
    // percent-decodes the password it parses
    value: 'rediss://:${uriComponent(redis.listKeys().primaryKey)}@${redis.properties.hostName}:${redis.properties.sslPort}'
  }
}

output keyVaultName string = vault.name
// versionless: the app picks up a rotated secret without a redeploy (the platform rereads it within 24 h, or on restart)
output redisUrlSecretUri string = '${vault.properties.vaultUri}secrets/${redisUrl.name}'
