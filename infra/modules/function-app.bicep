// Function App on Flex Consumption (Node 20). App settings are exactly the code's settings schema
// (shared/config/settings.ts) plus platform settings; test/infra checks both ways.
param location string
param tags object
param name string
param token string
param identityId string
param identityClientId string
param maximumInstanceCount int
param hostStorageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param cosmosEndpoint string
param cosmosDatabase string
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
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      cors: { allowedOrigins: ['*'], supportCredentials: false }
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
        instanceMemoryMB: 2048
      }
      runtime: { name: 'node', version: '20' }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // platform: host storage and telemetry through the identity
    AzureWebJobsStorage__accountName: hostStorageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential in the code picks the user-assigned identity by this
    AZURE_CLIENT_ID: identityClientId
    // the app's settings schema
    STORE: 'cosmos'
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabase
    COSMOS_CONVERSATIONS_CONTAINER: 'conversations'
    COSMOS_MEMBERSHIPS_CONTAINER: 'memberships'
    COSMOS_USERS_CONTAINER: 'users'
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
    RATE_LIMIT_SEND_PER_MINUTE: '60'
    RATE_LIMIT_TYPING_PER_MINUTE: '10'
    LOG_LEVEL: 'info'
    // future consumers (queue-triggered functions, attachments): identity-based connections
    ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespaceFqdn
    ServiceBusConnection__credential: 'managedidentity'
    ServiceBusConnection__clientId: identityClientId
    ATTACHMENTS_ACCOUNT_URL: attachmentsAccountUrl
    ATTACHMENTS_CONTAINER: attachmentsContainer
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
