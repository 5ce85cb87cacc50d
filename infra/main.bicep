// The whole system for `azd up`: one resource group with the Function App (Flex Consumption), its storage,
// monitoring, SignalR Service (Serverless), Cosmos DB, Redis, Service Bus, attachments storage, Key Vault and a
// user-assigned identity holding least-privilege roles on every data plane.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags derive from it')
param environmentName string

@minLength(1)
param location string

@description('Optional: your own object id, granted data access for debugging')
param principalId string = ''

@description('JWKS URL of the identity provider (Entra ID / B2C)')
param authJwksUri string

@description('Expected token issuer')
param authIssuer string

@description('Expected token audience (the API app registration)')
param authAudience string

@description('Claim holding the user id')
param authUserClaim string = 'oid'

@allowed(['serverless', 'provisioned'])
param cosmosCapacityMode string = 'serverless'

@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param signalRSku string = 'Standard_S1'

@minValue(1)
param signalRUnits int = 1

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Retention of conversations without a known category, in days; empty keeps messages')
param retentionDefaultDays string = ''

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

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
    authJwksUri: authJwksUri
    authIssuer: authIssuer
    authAudience: authAudience
    authUserClaim: authUserClaim
    cosmosCapacityMode: cosmosCapacityMode
    signalRSku: signalRSku
    signalRUnits: signalRUnits
    maximumInstanceCount: maximumInstanceCount
    retentionDefaultDays: retentionDefaultDays
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output API_BASE_URL string = app.outputs.apiBaseUrl
output SIGNALR_NAME string = app.outputs.signalRName
output SIGNALR_ENDPOINT string = app.outputs.signalREndpoint
output SIGNALR_HUB_NAMES string = 'messaging,notifications'
output COSMOS_ENDPOINT string = app.outputs.cosmosEndpoint
output SERVICEBUS_NAMESPACE string = app.outputs.serviceBusNamespace
output SERVICEBUS_QUEUES string = join(app.outputs.queueNames, ',')
output ATTACHMENTS_ACCOUNT_URL string = app.outputs.attachmentsAccountUrl
output KEY_VAULT_NAME string = app.outputs.keyVaultName
