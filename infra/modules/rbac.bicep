// The app identity's role assignments, least privilege, each scoped to the one resource it is for.
// (The host-keys vault assigns its own roles: host-keys.bicep.)
param appPrincipalId string
@description('Optional developer principal given Cosmos data access for debugging; empty = none')
param developerPrincipalId string
param hostStorageAccountName string
param attachmentsAccountName string
param attachmentsContainerName string
param cosmosAccountName string
param serviceBusNamespaceName string
@description('Queues the app sends to (Data Sender on each)')
param sendQueues array
@description('Queues the app consumes (Data Receiver on each)')
param receiveQueues array
param signalRName string
param appInsightsName string

// Built-in role definition ids (the same in every tenant)
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  signalRAppServer: '420fcaa2-552c-430f-98ca-3264be4806c7'
  signalRRestApiOwner: 'fd53cd77-2268-407a-8f46-7e7863d0f521'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Cosmos DB Built-in Data Contributor: a Cosmos SQL (data-plane) role definition of the account, not an ARM role
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: hostStorageAccountName }
resource attachments 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: attachmentsAccountName }
resource attachmentsBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: attachments
  name: 'default'
}
resource attachmentsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: attachmentsBlobService
  name: attachmentsContainerName
}
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = { name: cosmosAccountName }
resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = { name: serviceBusNamespaceName }
resource sendQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = [
  for q in sendQueues: {
    parent: serviceBus
    name: q
  }
]
resource receiveQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = [
  for q in receiveQueues: {
    parent: serviceBus
    name: q
  }
]
resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = { name: signalRName }
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = { name: appInsightsName }

// Host storage (Flex Consumption, identity-based AzureWebJobsStorage): the deployment package and blob leases /
// timer locks (Blob Data Owner), the host's queues (Queue Data Contributor) and its diagnostic-events table
// (Table Data Contributor).
resource hostBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner) }
}
resource hostQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor) }
}
resource hostTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: hostStorage
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor) }
}

// Attachments: read/write blobs of the one container and read their index tags (Defender's malware verdict; tag
// reads are in Blob Data Owner only, hence Owner, scoped to this container); sign user-delegation SAS for client
// uploads/downloads (the delegation key is an account-level operation, so the delegator role sits on the account).
resource attachmentsBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(attachmentsContainer.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: attachmentsContainer
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner) }
}
resource attachmentsDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(attachments.id, appPrincipalId, roles.storageBlobDelegator)
  scope: attachments
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator) }
}

// Service Bus, per queue: send where the app produces, receive where it consumes.
resource serviceBusSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in sendQueues: {
    name: guid(sendQueue[i].id, appPrincipalId, roles.serviceBusDataSender)
    scope: sendQueue[i]
    properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender) }
  }
]
resource serviceBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in receiveQueues: {
    name: guid(receiveQueue[i].id, appPrincipalId, roles.serviceBusDataReceiver)
    scope: receiveQueue[i]
    properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver) }
  }
]

// SignalR: the Functions extension (output bindings, trigger) uses App Server (auth/accessKey, server connections);
// the app's negotiate calls POST /api/hubs/{hub}/:generateToken, which needs auth/clientToken/action — only in
// SignalR REST API Owner (App Server does not have it).
resource signalRAppServer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, appPrincipalId, roles.signalRAppServer)
  scope: signalR
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.signalRAppServer) }
}
resource signalRRestApi 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, appPrincipalId, roles.signalRRestApiOwner)
  scope: signalR
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.signalRRestApiOwner) }
}

// The host's telemetry with Entra auth (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher) }
}

resource cosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, appPrincipalId, cosmosDataContributor)
  properties: {
    principalId: appPrincipalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    scope: cosmos.id
  }
}

resource cosmosDataDeveloper 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = if (!empty(developerPrincipalId)) {
  parent: cosmos
  name: guid(cosmos.id, developerPrincipalId, cosmosDataContributor)
  properties: {
    principalId: developerPrincipalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    scope: cosmos.id
  }
}
