// Everything inside the resource group; main.bicep only makes the group.
param location string
param tags object
param token string
param principalId string
param grantDeveloperDataAccess bool
param authJwksUri string
param authIssuer string
param authAudience string
param authUserClaim string
param cosmosCapacityMode string
param cosmosAutoscaleMaxThroughput int
param signalRSku string
param signalRUnits int
param signalRHubs array
param signalRUpstreamAuthResource string
param maximumInstanceCount int
param instanceMemoryMB int
param corsAllowedOrigins array
param alwaysReadyInstances int
param retentionDefaultDays string
param retentionCategoryDays string
param notificationTopics string
param rateLimitSendPerMinute int
param rateLimitTypingPerMinute int
param rateLimitConversationsPerMinute int
param logLevel string
param clientContracts string
param keyVaultPurgeProtection bool
param deployTranslator bool
param translatorSku string
param linkPreviewMaxUrls int
param linkPreviewAllowedHosts string
@secure()
param functionsHostMasterKey string
@secure()
param signalRExtensionKey string

var functionAppName = 'func-${token}'

// The app's only credential. It exists before the app, so its roles and Key Vault access are in place at first start.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${token}'
  location: location
  tags: tags
}

// SignalR Service's identity: reads the upstream key from the host-keys vault (one secret, nothing else).
resource signalRIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-sigr-${token}'
  location: location
  tags: tags
}

module monitoring 'monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, tags: tags, token: token }
}

module storage 'storage.bicep' = {
  name: 'storage'
  params: { location: location, tags: tags, token: token, corsAllowedOrigins: corsAllowedOrigins }
}

module cosmos 'cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    tags: tags
    token: token
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
  }
}

module redis 'redis.bicep' = {
  name: 'redis'
  params: { location: location, tags: tags, token: token, appPrincipalId: identity.properties.principalId }
}

module serviceBus 'servicebus.bicep' = {
  name: 'servicebus'
  params: { location: location, tags: tags, token: token }
}

module hostKeys 'host-keys.bicep' = {
  name: 'host-keys'
  params: {
    location: location
    tags: tags
    token: token
    purgeProtection: keyVaultPurgeProtection
    appPrincipalId: identity.properties.principalId
    signalRPrincipalId: signalRIdentity.properties.principalId
    deployerPrincipalId: principalId
    masterKey: functionsHostMasterKey
    signalRExtensionKey: signalRExtensionKey
  }
}

module notificationHubs 'notification-hubs.bicep' = {
  name: 'notification-hubs'
  params: { location: location, tags: tags, token: token, vaultName: hostKeys.outputs.vaultName }
}

module contentKeys 'content-keys.bicep' = {
  name: 'content-keys'
  params: {
    location: location
    tags: tags
    token: token
    purgeProtection: keyVaultPurgeProtection
    appPrincipalId: identity.properties.principalId
  }
}

module signalR 'signalr.bicep' = {
  name: 'signalr'
  params: {
    location: location
    tags: tags
    token: token
    sku: signalRSku
    units: signalRUnits
    hubs: signalRHubs
    // why: the app's host name is known before the app exists (Flex apps answer on <name>.azurewebsites.net), which
    // keeps SignalR and the app free of a dependency cycle
    functionAppHostName: '${functionAppName}.azurewebsites.net'
    upstreamKeySecretUri: hostKeys.outputs.signalRExtensionKeySecretUri
    identityId: signalRIdentity.id
    upstreamAuthResource: signalRUpstreamAuthResource
    corsAllowedOrigins: corsAllowedOrigins
  }
}

module translator 'translator.bicep' = if (deployTranslator) {
  name: 'translator'
  params: { location: location, tags: tags, token: token, sku: translatorSku, appPrincipalId: identity.properties.principalId }
}

module rbac 'rbac.bicep' = {
  name: 'rbac'
  params: {
    appPrincipalId: identity.properties.principalId
    developerPrincipalId: grantDeveloperDataAccess ? principalId : ''
    hostStorageAccountName: storage.outputs.hostAccountName
    attachmentsAccountName: storage.outputs.attachmentsAccountName
    attachmentsContainerName: storage.outputs.attachmentsContainer
    cosmosAccountName: cosmos.outputs.accountName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    sendQueues: serviceBus.outputs.sendQueueNames
    receiveQueues: serviceBus.outputs.queueNames
    signalRName: signalR.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module functionApp 'function-app.bicep' = {
  name: 'function-app'
  // why: start the host only once it may read its storage, vaults and data planes
  dependsOn: [rbac, contentKeys]
  params: {
    location: location
    tags: tags
    name: functionAppName
    token: token
    identityId: identity.id
    identityClientId: identity.properties.clientId
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    corsAllowedOrigins: corsAllowedOrigins
    alwaysReadyInstances: alwaysReadyInstances
    hostStorageAccountName: storage.outputs.hostAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    hostKeysVaultUri: hostKeys.outputs.vaultUri
    contentKekId: contentKeys.outputs.keyId
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    cosmosContainers: cosmos.outputs.containers
    redisUrl: redis.outputs.redisUrl
    signalREndpoint: signalR.outputs.endpoint
    signalRUpstreamAudience: signalRUpstreamAuthResource
    signalRPrincipalId: signalRIdentity.properties.principalId
    serviceBusNamespaceFqdn: serviceBus.outputs.fullyQualifiedNamespace
    notificationHubsConnectionStringSecretUri: notificationHubs.outputs.connectionStringSecretUri
    notificationHubName: notificationHubs.outputs.hubName
    attachmentsAccountUrl: storage.outputs.attachmentsAccountUrl
    attachmentsContainer: storage.outputs.attachmentsContainer
    authJwksUri: authJwksUri
    authIssuer: authIssuer
    authAudience: authAudience
    authUserClaim: authUserClaim
    retentionDefaultDays: retentionDefaultDays
    retentionCategoryDays: retentionCategoryDays
    notificationTopics: notificationTopics
    rateLimitSendPerMinute: rateLimitSendPerMinute
    rateLimitTypingPerMinute: rateLimitTypingPerMinute
    rateLimitConversationsPerMinute: rateLimitConversationsPerMinute
    logLevel: logLevel
    clientContracts: clientContracts
    linkPreviewMaxUrls: linkPreviewMaxUrls
    linkPreviewAllowedHosts: linkPreviewAllowedHosts
    translatorEndpoint: deployTranslator ? translator.outputs.endpoint : ''
    translatorResourceId: deployTranslator ? translator.outputs.resourceId : ''
    translatorRegion: deployTranslator ? translator.outputs.region : ''
  }
}

output functionAppName string = functionApp.outputs.name
output apiBaseUrl string = 'https://${functionApp.outputs.defaultHostName}/api'
output signalRName string = signalR.outputs.name
output signalREndpoint string = signalR.outputs.endpoint
output cosmosEndpoint string = cosmos.outputs.endpoint
output cosmosDatabase string = cosmos.outputs.databaseName
output serviceBusNamespace string = serviceBus.outputs.namespaceName
output queueNames array = serviceBus.outputs.queueNames
output attachmentsAccountUrl string = storage.outputs.attachmentsAccountUrl
output attachmentsContainer string = storage.outputs.attachmentsContainer
output notificationHubsNamespace string = notificationHubs.outputs.namespaceName
output notificationHubName string = notificationHubs.outputs.hubName
output hostKeysVaultName string = hostKeys.outputs.vaultName
output appInsightsName string = monitoring.outputs.appInsightsName
