// The whole system for `azd up`: one resource group with the Function App (Flex Consumption), its storage,
// monitoring, SignalR Service (Serverless), Cosmos DB, Azure Managed Redis, Service Bus, attachments storage, a Key
// Vault for the Functions host keys and user-assigned identities holding least-privilege roles on every data plane.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags derive from it')
param environmentName string

@minLength(1)
param location string

@description('Object id of whoever runs azd (AZURE_PRINCIPAL_ID). It may read the two seed secrets of the host-keys vault, so the next `azd provision` reads the same keys back instead of rotating them. Required: without it every provision would regenerate the host keys (and break the SignalR upstream).')
@minLength(1)
param principalId string

@description('Also give principalId data access to Cosmos DB (debugging). Off in production.')
param grantDeveloperDataAccess bool = false

@description('JWKS URL of the identity provider (Entra ID / B2C)')
param authJwksUri string

@description('Expected token issuer')
param authIssuer string

@description('Expected token audience (the API app registration)')
param authAudience string

@description('Claim holding the user id (Entra ID: oid)')
param authUserClaim string = 'oid'

@allowed(['serverless', 'provisioned'])
param cosmosCapacityMode string = 'serverless'

@description('Provisioned mode only: autoscale maximum RU/s shared by the containers (scales between 10% and 100% of it)')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 4000

@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param signalRSku string = 'Standard_S1'

@description('SignalR units: 1,000 concurrent connections each (Free_F1: 1 unit, 20 connections)')
@allowed([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
param signalRUnits int = 1

@description('Audience of the managed-identity token SignalR sends on every upstream call, checked by the app (app id URI or client id of an app registration in this tenant). Empty = authAudience.')
param signalRUpstreamAuthResource string = ''

@description('Flex Consumption: most instances the app scales out to (the platform minimum is 40)')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([2048, 4096])
param instanceMemoryMB int = 2048

@description('Browser origins allowed to call the API (with credentials, as @microsoft/signalr does), SignalR and uploads: comma-separated exact origins, e.g. https://app.contoso.com. Empty = no browser clients.')
param corsAllowedOrigins string = ''

@description('Flex Consumption always-ready instances for the http group and the SignalR connected / SendMessage functions (each instance is billed while idle); 0 = none')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 1

@description('Retention of conversations without a known category, in days; empty keeps messages')
param retentionDefaultDays string = ''

@description('Retention per category beyond customer-support=180 and customer-driver=30, e.g. booking=90,pet-care=keep')
param retentionCategoryDays string = ''

@description('Notification topics any signed-in user may subscribe to, comma-separated (e.g. orders,rides)')
param notificationTopics string = ''

@minValue(1)
param rateLimitSendPerMinute int = 60

@minValue(1)
param rateLimitTypingPerMinute int = 10

@minValue(1)
param rateLimitConversationsPerMinute int = 10

@allowed(['debug', 'info', 'warn', 'error'])
param logLevel string = 'info'

@description('Client contracts served (CLIENT_CONTRACTS): comma list of native, listo, spec; events go only to these hubs')
param clientContracts string = 'native'

@description('Create an Azure AI Translator (Cognitive Services, kind TextTranslation) for message translation, reached with the app identity (Cognitive Services User). Off: translation answers 503 TRANSLATION.NOT_CONFIGURED.')
param deployTranslator bool = false

@allowed(['F0', 'S1'])
@description('Translator pricing tier: F0 (free, one per subscription) or S1')
param translatorSku string = 'S1'

@minValue(0)
@description('Link previews per message: the first N URLs of its text (LINK_PREVIEW_MAX_URLS; 0 = none)')
param linkPreviewMaxUrls int = 3

@description('Hosts link previews may fetch although private or on other ports than 80/443 (LINK_PREVIEW_ALLOWED_HOSTS), comma-separated host or host:port; empty = none')
param linkPreviewAllowedHosts string = ''

@description('Key Vault purge protection (host-keys vault). Recommended for production; it also keeps `azd down --purge` from freeing the vault name for 7 days.')
param keyVaultPurgeProtection bool = false

@secure()
@description('Seed of the Functions host master key, stored in the host-keys vault (azd: secretOrRandomPassword, read back on the next provision)')
param functionsHostMasterKey string

@secure()
@description('Seed of the signalr_extension system key: the SignalR upstream authenticates with it (azd: secretOrRandomPassword)')
param signalRExtensionKey string

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))
// Hubs the code registers (shared/contracts/dialects.ts DIALECT_HUBS: native, listo, spec); the upstream forwards
// all of them, so enabling a contract is an app-setting change; hubs of disabled contracts get no events.
var signalRHubs = ['messaging', 'notifications', 'listo_messaging', 'listo_notifications', 'spec_chat']
var corsOrigins = filter(map(split(corsAllowedOrigins, ','), o => trim(o)), o => !empty(o))
// why: none of the origins may be "*": browsers refuse a wildcard with credentials
var corsChecked = contains(corsOrigins, '*') ? fail('CORS_ALLOWED_ORIGINS must list exact origins, not "*"') : corsOrigins

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module app 'modules/app.bicep' = {
  name: 'app'
  scope: rg
  params: {
    location: location
    tags: tags
    token: token
    principalId: principalId
    grantDeveloperDataAccess: grantDeveloperDataAccess
    authJwksUri: authJwksUri
    authIssuer: authIssuer
    authAudience: authAudience
    authUserClaim: authUserClaim
    cosmosCapacityMode: cosmosCapacityMode
    cosmosAutoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    signalRSku: signalRSku
    signalRUnits: signalRUnits
    signalRHubs: signalRHubs
    signalRUpstreamAuthResource: empty(signalRUpstreamAuthResource) ? authAudience : signalRUpstreamAuthResource
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    corsAllowedOrigins: corsChecked
    alwaysReadyInstances: alwaysReadyInstances
    retentionDefaultDays: retentionDefaultDays
    retentionCategoryDays: retentionCategoryDays
    notificationTopics: notificationTopics
    rateLimitSendPerMinute: rateLimitSendPerMinute
    rateLimitTypingPerMinute: rateLimitTypingPerMinute
    rateLimitConversationsPerMinute: rateLimitConversationsPerMinute
    logLevel: logLevel
    clientContracts: clientContracts
    keyVaultPurgeProtection: keyVaultPurgeProtection
    deployTranslator: deployTranslator
    translatorSku: translatorSku
    linkPreviewMaxUrls: linkPreviewMaxUrls
    linkPreviewAllowedHosts: linkPreviewAllowedHosts
    functionsHostMasterKey: functionsHostMasterKey
    signalRExtensionKey: signalRExtensionKey
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output API_BASE_URL string = app.outputs.apiBaseUrl
output SIGNALR_NAME string = app.outputs.signalRName
output SIGNALR_ENDPOINT string = app.outputs.signalREndpoint
output SIGNALR_HUB_NAME string = signalRHubs[0]
output SIGNALR_HUB_NAMES string = join(signalRHubs, ',')
output COSMOS_ENDPOINT string = app.outputs.cosmosEndpoint
output COSMOS_DATABASE string = app.outputs.cosmosDatabase
output SERVICEBUS_NAMESPACE string = app.outputs.serviceBusNamespace
output SERVICEBUS_QUEUES string = join(app.outputs.queueNames, ',')
output ATTACHMENTS_ACCOUNT_URL string = app.outputs.attachmentsAccountUrl
output ATTACHMENTS_CONTAINER string = app.outputs.attachmentsContainer
// read by main.parameters.json (secretOrRandomPassword) on the next provision
output NOTIFICATION_HUBS_NAMESPACE string = app.outputs.notificationHubsNamespace
output NOTIFICATION_HUBS_HUB_NAME string = app.outputs.notificationHubName
output AZURE_HOSTKEYS_VAULT_NAME string = app.outputs.hostKeysVaultName
output APPLICATIONINSIGHTS_NAME string = app.outputs.appInsightsName
