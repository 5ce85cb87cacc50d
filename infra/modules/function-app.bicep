// Function App on Flex Consumption (Node 20). The app settings below are exactly the code's settings schema
// (shared/config/settings.ts SettingsSchema), minus the local-only ones, plus the platform settings listed in
// test/infra/infra.test.ts — the test fails when either side changes alone.
param location string
param tags object
param name string
param token string
param identityId string
param identityClientId string
param maximumInstanceCount int
param instanceMemoryMB int
param corsAllowedOrigins array
param hostStorageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param hostKeysVaultUri string
param cosmosEndpoint string
param cosmosDatabase string
param cosmosContainers object
param redisUrlSecretUri string
param signalREndpoint string
param serviceBusNamespaceFqdn string
param attachmentsAccountUrl string
param attachmentsContainer string
param authJwksUri string
param authIssuer string
param authAudience string
param authUserClaim string
param retentionDefaultDays string
param rateLimitSendPerMinute int
param rateLimitTypingPerMinute int
param logLevel string
param clientContracts string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (REDIS_URL) resolve with the user-assigned identity
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: { allowedOrigins: corsAllowedOrigins, supportCredentials: false }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '20' }
    }
  }
}

// Flex Consumption sets the worker runtime and extension version from functionAppConfig; FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION and WEBSITE_* deployment settings must not be set here.
var appSettings = {
  // platform: host storage through the identity
  AzureWebJobsStorage__accountName: hostStorageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // platform: host keys in their own vault (host-keys.bicep), so the SignalR upstream can reference its key
  AzureWebJobsSecretStorageType: 'keyvault'
  AzureWebJobsSecretStorageKeyVaultUri: hostKeysVaultUri
  AzureWebJobsSecretStorageKeyVaultClientId: identityClientId
  // platform: host telemetry with Entra auth
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential in the code picks the user-assigned identity by this
  AZURE_CLIENT_ID: identityClientId

  // the app's settings schema (shared/config/settings.ts)
  STORE: 'cosmos'
  COSMOS_ENDPOINT: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabase
  COSMOS_CONVERSATIONS_CONTAINER: cosmosContainers.conversations
  COSMOS_MEMBERSHIPS_CONTAINER: cosmosContainers.memberships
  COSMOS_USERS_CONTAINER: cosmosContainers.users
  REDIS_URL: '@Microsoft.KeyVault(SecretUri=${redisUrlSecretUri})'
  AzureSignalRConnectionString__serviceUri: signalREndpoint
  AzureSignalRConnectionString__credential: 'managedidentity'
  AzureSignalRConnectionString__clientId: identityClientId
  AUTH_MODE: 'jwks'
  AUTH_JWKS_URI: authJwksUri
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_USER_CLAIM: authUserClaim
  RETENTION_DEFAULT_DAYS: retentionDefaultDays
  RATE_LIMIT_SEND_PER_MINUTE: string(rateLimitSendPerMinute)
  RATE_LIMIT_TYPING_PER_MINUTE: string(rateLimitTypingPerMinute)
  LOG_LEVEL: logLevel
  CLIENT_CONTRACTS: clientContracts
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString

  // future consumers (queue-triggered functions, attachments): identity-based connections, no keys
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespaceFqdn
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  ATTACHMENTS_ACCOUNT_URL: attachmentsAccountUrl
  ATTACHMENTS_CONTAINER: attachmentsContainer
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
