// Function App on Flex Consumption (Node 22: Node 20 is past end of life on Azure Functions). The app settings below are exactly the code's settings schema
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
@description('Always-ready instances for the http group and the hot SignalR functions; 0 = none')
param alwaysReadyInstances int
param hostStorageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param hostKeysVaultUri string
@description('Key Vault key that wraps the conversation data keys (content-keys.bicep), without a version')
param contentKekId string
param cosmosEndpoint string
param cosmosDatabase string
param cosmosContainers object
param redisUrl string
param signalREndpoint string
param signalRUpstreamAudience string
param signalRPrincipalId string
param serviceBusNamespaceFqdn string
@description('Key Vault secret URI of the Notification Hubs access policy connection string')
param notificationHubsConnectionStringSecretUri string
param notificationHubName string
param attachmentsAccountUrl string
param attachmentsContainer string
param authJwksUri string
param authIssuer string
param authAudience string
param authUserClaim string
param retentionDefaultDays string
param retentionCategoryDays string
param notificationTopics string
param rateLimitSendPerMinute int
param rateLimitTypingPerMinute int
param rateLimitConversationsPerMinute int
param rateLimitUploadsPerMinute int = 20
param logLevel string
param clientContracts string
param linkPreviewMaxUrls int
param linkPreviewAllowedHosts string
@description('Empty when no Translator is deployed (translation then answers 503 TRANSLATION.NOT_CONFIGURED)')
param translatorEndpoint string
param translatorResourceId string
param translatorRegion string

// why: no cold start where users wait: the HTTP group (negotiate, the API) and the SignalR functions every session
// and every message go through (Flex function groups: http, function:<name>; names from shared/runtime/hub.ts)
var alwaysReady = [
  { name: 'http', instanceCount: alwaysReadyInstances }
  { name: 'function:hub-messaging-connected', instanceCount: alwaysReadyInstances }
  { name: 'function:hub-messaging-send-message', instanceCount: alwaysReadyInstances }
]

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
    // why: Key Vault references (NOTIFICATION_HUBS_CONNECTION_STRING) resolve with the app's user-assigned identity
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // why credentials: @microsoft/signalr negotiates with credentials by default, so browsers need an explicit origin
      // echoed with Access-Control-Allow-Credentials (never "*")
      cors: { allowedOrigins: corsAllowedOrigins, supportCredentials: true }
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
        alwaysReady: alwaysReadyInstances > 0 ? alwaysReady : []
      }
      runtime: { name: 'node', version: '22' }
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
  // one transactional batch per send (real Cosmos applies batches atomically)
  COSMOS_ATOMIC_BATCH: 'true'
  // Cosmos DB deletes expired messages by their ttl; the retention sweep removes what TTL cannot reach
  COSMOS_CONDITIONAL_PATCH: 'true'
  COSMOS_TTL_ENFORCED: 'true'
  REDIS_URL: redisUrl
  REDIS_AUTH: 'entra'
  REDIS_KEY_PREFIX: 'chat:'
  AzureSignalRConnectionString__serviceUri: signalREndpoint
  AzureSignalRConnectionString__credential: 'managedidentity'
  AzureSignalRConnectionString__clientId: identityClientId
  // upstream calls carry a token of SignalR's identity for the app's audience; the hub runtime checks all of it
  SIGNALR_UPSTREAM_AUDIENCE: signalRUpstreamAudience
  SIGNALR_UPSTREAM_ISSUER: 'https://sts.windows.net/${tenant().tenantId}/,https://login.microsoftonline.com/${tenant().tenantId}/v2.0'
  SIGNALR_UPSTREAM_JWKS_URI: '${environment().authentication.loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'
  SIGNALR_UPSTREAM_PRINCIPAL_ID: signalRPrincipalId
  CORS_ALLOWED_ORIGINS: join(corsAllowedOrigins, ',')
  AUTH_MODE: 'jwks'
  AUTH_JWKS_URI: authJwksUri
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_USER_CLAIM: authUserClaim
  RETENTION_DEFAULT_DAYS: retentionDefaultDays
  RETENTION_CATEGORY_DAYS: retentionCategoryDays
  RETENTION_SWEEP_BATCH: '500'
  NOTIFICATION_TOPICS: notificationTopics
  RATE_LIMIT_SEND_PER_MINUTE: string(rateLimitSendPerMinute)
  RATE_LIMIT_TYPING_PER_MINUTE: string(rateLimitTypingPerMinute)
  RATE_LIMIT_CONVERSATIONS_PER_MINUTE: string(rateLimitConversationsPerMinute)
  PRESENCE_OFFLINE_GRACE_SECONDS: '5'
  PUSH_GRACE_SECONDS: '5'
  // native push through Notification Hubs; the SDK only signs with an access policy, kept in Key Vault
  PUSH_MODE: 'notificationhubs'
  NOTIFICATION_HUBS_CONNECTION_STRING: '@Microsoft.KeyVault(SecretUri=${notificationHubsConnectionStringSecretUri})'
  NOTIFICATION_HUBS_HUB_NAME: notificationHubName
  LOG_LEVEL: logLevel
  CLIENT_CONTRACTS: clientContracts
  LINK_PREVIEW_MAX_URLS: string(linkPreviewMaxUrls)
  LINK_PREVIEW_ALLOWED_HOSTS: linkPreviewAllowedHosts
  LINK_PREVIEW_CACHE_SECONDS: '86400'
  // the Translator is reached with the identity (no TRANSLATOR_KEY on Azure): token + resource id + region headers
  TRANSLATOR_ENDPOINT: translatorEndpoint
  TRANSLATOR_RESOURCE_ID: translatorResourceId
  TRANSLATOR_REGION: translatorRegion
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // jobs go to Service Bus; the app's JobQueue and the queue triggers share one identity-based connection
  QUEUE_MODE: 'servicebus'
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespaceFqdn
  // the message content pipeline (README "Message content pipeline"); the KEK in Key Vault, by managed identity
  PROFANITY_MODE: 'mask'
  PROFANITY_EXTRA_WORDS: ''
  PROFANITY_ALLOWED_WORDS: ''
  SPAM_REPEAT_MAX: '3'
  SPAM_REPEAT_WINDOW_SECONDS: '60'
  SPAM_NEW_SENDER_MAX_LINKS: '3'
  SPAM_NEW_SENDER_HOURS: '24'
  CONTENT_SENSITIVE_DATA: 'true'
  CONTENT_EMOTICONS: 'true'
  CONTENT_MARKDOWN: 'true'
  CONTENT_KEK_ID: contentKekId

  // platform: the Service Bus extension's identity for ServiceBusConnection
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  // attachments: the private container through the identity (user-delegation SAS); Defender for Storage scans
  // uploads and the app reads its verdict from the blob index tag (storage.bicep turns scanning on)
  ATTACHMENTS_BLOB_ENDPOINT: attachmentsAccountUrl
  ATTACHMENTS_CONTAINER: attachmentsContainer
  ATTACHMENTS_DEFENDER_SCAN: 'true'
  ATTACHMENT_MAX_BYTES: string(10 * 1024 * 1024)
  RATE_LIMIT_UPLOADS_PER_MINUTE: string(rateLimitUploadsPerMinute)
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
