// Everything inside the resource group; main.bicep only makes the group.
param location string
param tags object
param token string
param principalId string
param authJwksUri string
param authIssuer string
param authAudience string
param authUserClaim string
param cosmosCapacityMode string
param signalRSku string
param signalRUnits int
param maximumInstanceCount int
param retentionDefaultDays string

var functionAppName = 'func-${token}'

// One user-assigned identity for the app: it exists before the app, so roles and Key Vault access are in place at first start.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${token}'
  location: location
  tags: tags
}

module monitoring 'monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, tags: tags, token: token }
}

module storage 'storage.bicep' = {
  name: 'storage'
  params: { location: location, tags: tags, token: token }
}

module cosmos 'cosmos.bicep' = {
  name: 'cosmos'
  params: { location: location, tags: tags, token: token, capacityMode: cosmosCapacityMode }
}

module redis 'redis.bicep' = {
  name: 'redis'
  params: { location: location, tags: tags, token: token }
}

module serviceBus 'servicebus.bicep' = {
  name: 'servicebus'
  params: { location: location, tags: tags, token: token }
}

module signalR 'signalr.bicep' = {
  name: 'signalr'
  params: {
    location: location
    tags: tags
    token: token
    sku: signalRSku
    units: signalRUnits
    functionAppHostName: '${functionAppName}.azurewebsites.net'
    identityClientId: identity.properties.clientId
  }
}

module functionApp 'function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    tags: tags
    name: functionAppName
    token: token
    identityId: identity.id
    identityClientId: identity.properties.clientId
    maximumInstanceCount: maximumInstanceCount
    hostStorageAccountName: storage.outputs.hostAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    redisUrlSecretUri: redis.outputs.redisUrlSecretUri
    signalREndpoint: signalR.outputs.endpoint
    serviceBusNamespaceFqdn: serviceBus.outputs.fullyQualifiedNamespace
    attachmentsAccountUrl: storage.outputs.attachmentsAccountUrl
    attachmentsContainer: storage.outputs.attachmentsContainer
    authJwksUri: authJwksUri
    authIssuer: authIssuer
    authAudience: authAudience
    authUserClaim: authUserClaim
    retentionDefaultDays: retentionDefaultDays
  }
}

module rbac 'rbac.bicep' = {
  name: 'rbac'
  params: {
    appPrincipalId: identity.properties.principalId
    userPrincipalId: principalId
    hostStorageAccountName: storage.outputs.hostAccountName
    attachmentsAccountName: storage.outputs.attachmentsAccountName
    cosmosAccountName: cosmos.outputs.accountName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    signalRName: signalR.outputs.name
    keyVaultName: redis.outputs.keyVaultName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

output functionAppName string = functionApp.outputs.name
output apiBaseUrl string = 'https://${functionApp.outputs.defaultHostName}/api'
output signalRName string = signalR.outputs.name
output signalREndpoint string = signalR.outputs.endpoint
output cosmosEndpoint string = cosmos.outputs.endpoint
output serviceBusNamespace string = serviceBus.outputs.namespaceName
output queueNames array = serviceBus.outputs.queueNames
output attachmentsAccountUrl string = storage.outputs.attachmentsAccountUrl
output keyVaultName string = redis.outputs.keyVaultName
