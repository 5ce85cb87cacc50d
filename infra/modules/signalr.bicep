// Azure SignalR Service in Serverless mode. Client connections terminate here; the function app pushes through
// the REST API (SignalR App Server role) and receives hub calls through the upstream webhook.
param location string
param tags object
param token string
param sku string
param units int
param functionAppHostName string
param identityClientId string

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: 'sigr-${token}'
  location: location
  tags: tags
  kind: 'SignalR'
  sku: { name: sku, capacity: units }
  identity: { type: 'SystemAssigned' }
  properties: {
    features: [
      { flag: 'ServiceMode', value: 'Serverless' }
      { flag: 'EnableConnectivityLogs', value: 'true' }
    ]
    cors: { allowedOrigins: ['*'] }
    // why: the app uses Entra ID (managed identity) for REST calls and minting client tokens; no access keys
    disableLocalAuth: true
    tls: { clientCertEnabled: false }
    upstream: {
      templates: [
        {
          hubPattern: 'messaging,notifications'
          categoryPattern: '*'
          eventPattern: '*'
          // the Functions SignalR webhook; `code` (the signalr_extension system key) only exists once the app has
          // started, so the postdeploy hook (infra/scripts/set-signalr-upstream.sh) fills it in — nobody pastes it
          urlTemplate: 'https://${functionAppHostName}/runtime/webhooks/signalr'
          auth: {
            type: 'ManagedIdentity'
            managedIdentity: { resource: identityClientId }
          }
        }
      ]
    }
  }
}

output name string = signalR.name
output endpoint string = 'https://${signalR.properties.hostName}'
