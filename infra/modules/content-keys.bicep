// The key-encryption key of sensitive message content (shared/adapters/keys/keyvault-key-wrapper.ts): an RSA key in
// its own vault (kept apart from the host-keys vault, whose access the Functions host manages). The app's identity
// may only use this key to wrap and unwrap (Key Vault Crypto User on the key); it cannot read secrets or manage keys.
// Rotation: the key rotates itself yearly (rotation policy); the app follows the newest version (CONTENT_KEK_ID has
// no version) and keeps unwrapping data keys of older versions, which stay enabled.
param location string
param tags object
param token string
param purgeProtection bool
param appPrincipalId string

var roles = {
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kvc-${take(token, 19)}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // why 90 days: a deleted key-encryption key makes every sealed message unreadable; keep the longest recovery
    softDeleteRetentionInDays: 90
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource kek 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: 'content-kek'
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: ['wrapKey', 'unwrapKey']
    rotationPolicy: {
      attributes: { expiryTime: 'P2Y' }
      lifetimeActions: [
        { action: { type: 'rotate' }, trigger: { timeAfterCreate: 'P1Y' } }
        { action: { type: 'notify' }, trigger: { timeBeforeExpiry: 'P30D' } }
      ]
    }
  }
}

resource appCryptoUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(kek.id, appPrincipalId, roles.keyVaultCryptoUser)
  scope: kek
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
  }
}

output vaultName string = vault.name
@description('The key id without a version (CONTENT_KEK_ID): the app follows rotations')
output keyId string = kek.properties.keyUri
