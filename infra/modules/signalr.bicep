// Azure SignalR Service in Serverless mode. Client connections terminate here; the function app pushes through the
// REST API and mints client tokens (Entra ID, see rbac.bicep) and receives hub calls through the upstream webhook.
param location string
param tags object
param token string
param sku string
param units int
param hubs array
param functionAppHostName string
@description('Versionless Key Vault URI of the signalr_extension system key (host-keys.bicep)')
param upstreamKeySecretUri string
@description('User-assigned identity SignalR uses to read that secret')
param identityId string
@description('Audience of the managed-identity token SignalR adds to every upstream call (the app checks it)')
@minLength(1)
param upstreamAuthResource string
param corsAllowedOrigins array

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: 'sigr-${token}'
  location: location
  tags: tags
  kind: 'SignalR'
  sku: { name: sku, capacity: units }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    features: [
      { flag: 'ServiceMode', value: 'Serverless' }
      { flag: 'EnableConnectivityLogs', value: 'True' }
      { flag: 'EnableMessagingLogs', value: 'False' }
    ]
    // explicit origins only: clients negotiate with credentials
    cors: { allowedOrigins: corsAllowedOrigins }
    // why: the app uses Entra ID for REST calls and for minting client tokens; nothing needs the access keys
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: { clientCertEnabled: false }
    upstream: {
      templates: [
        {
          hubPattern: join(hubs, ',')
          categoryPattern: '*'
          eventPattern: '*'
          // The Functions SignalR webhook. The host requires the signalr_extension system key (`code`) on it, so the
          // key is a Key Vault reference that SignalR resolves with its identity (reread every 30 min). With
          // identity-based connections the extension checks no signature, so each call also carries a token of
          // SignalR's identity that the hub runtime validates (shared/runtime/upstream-auth.ts).
          urlTemplate: 'https://${functionAppHostName}/runtime/webhooks/signalr?code={@Microsoft.KeyVault(SecretUri=${upstreamKeySecretUri})}'
          auth: { type: 'ManagedIdentity', managedIdentity: { resource: upstreamAuthResource } }
        }
      ]
    }
  }
}

output name string = signalR.name
output endpoint string = 'https://${signalR.properties.hostName}'
