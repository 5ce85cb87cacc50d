// The Functions host keeps its keys in this vault (AzureWebJobsSecretStorageType=keyvault), not in blob storage.
// Why: the SignalR upstream must call /runtime/webhooks/signalr?code=<signalr_extension system key>, and the Functions
// host demands that key even when SignalR sends a managed-identity token. Seeding the key here lets the upstream URL
// reference it ({@Microsoft.KeyVault(...)}, read by SignalR's own identity) at provision time: no postdeploy step,
// no key in any resource property, and `azd provision` never resets it (azd reads the seeds back, see
// main.parameters.json). One vault per function app, as the Functions docs require for this store.
param location string
param tags object
param token string
param purgeProtection bool
param appPrincipalId string
param signalRPrincipalId string
@description('Whoever runs azd: may read the two seeds back on the next provision (secretOrRandomPassword)')
param deployerPrincipalId string
@secure()
param masterKey string
@secure()
param signalRExtensionKey string

var roles = {
  // host reads, creates and rotates its keys
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// Secret names of the host's Key Vault store: host--masterKey--master, host--systemKey--<name>, where every
// character that is not a letter or digit becomes -<3-digit code> ('_' = -095): signalr_extension → signalr-095extension.
var masterKeySecretName = 'host--masterKey--master'
var signalRKeySecretName = 'host--systemKey--signalr-095extension'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kvh-${take(token, 19)}'
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

// why: without a master key the host regenerates every key (and deletes the other host-- secrets) on first start
resource masterKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: masterKeySecretName
  properties: { value: masterKey, contentType: 'Functions host master key' }
}

// why: the key is the first guard of the upstream webhook and travels in a URL: at least 64 letters/digits. A shorter
// seed (azd's first random password) is stretched by hashing; a key already that long (read back on the next
// provision) is kept as is, so re-provisioning never changes it.
var stretchedSignalRKey = '${replace(guid(signalRExtensionKey, 'a'), '-', '')}${replace(guid(signalRExtensionKey, 'b'), '-', '')}'
var longSignalRKey = length(signalRExtensionKey) >= 64 ? signalRExtensionKey : stretchedSignalRKey

resource signalRKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: signalRKeySecretName
  properties: { value: longSignalRKey, contentType: 'Functions system key signalr_extension (SignalR upstream)' }
}

resource appOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

// SignalR reads only the upstream key: the assignment is scoped to that one secret
resource signalRReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalRKeySecret.id, signalRPrincipalId, roles.keyVaultSecretsUser)
  scope: signalRKeySecret
  properties: {
    principalId: signalRPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// no principalType: azd may run as a user or as a CI service principal
resource deployerMasterReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(masterKeySecret.id, deployerPrincipalId, roles.keyVaultSecretsUser)
  scope: masterKeySecret
  properties: {
    principalId: deployerPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource deployerSignalRKeyReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(signalRKeySecret.id, deployerPrincipalId, roles.keyVaultSecretsUser)
  scope: signalRKeySecret
  properties: {
    principalId: deployerPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

output vaultName string = vault.name
output vaultUri string = vault.properties.vaultUri
// versionless: SignalR rereads it every 30 minutes, so a rotated key is picked up without touching SignalR
// (a module output: whoever uses it waits for this whole module, so SignalR's read access exists before the upstream)
output signalRExtensionKeySecretUri string = '${vault.properties.vaultUri}secrets/${signalRKeySecret.name}'
