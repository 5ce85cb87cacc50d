// Native push (PUSH_MODE=notificationhubs): one Notification Hubs namespace with one hub. The app keeps one
// installation per device there (tagged with its user) and sends to a user's tag.
// Auth: the JavaScript SDK (@azure/notification-hubs) signs with an access policy (SAS) only, no Entra ID; so the
// app gets a hub-level policy with exactly Listen (installations) and Send (pushes), whose connection string lives
// in the app's Key Vault and reaches the app as a Key Vault reference (never as a plain setting).
// The platform credentials (APNs key or certificate, FCM v1 service account, WNS package SID and secret, VAPID keys
// for web push) come from Apple, Google, Microsoft and you: set them on the hub after provisioning (portal, or
// `az notification-hub credential …`); see the README's "Push notifications" section.
param location string
param tags object
param token string
@description('The app\'s Key Vault (the Functions host keys vault), where the policy\'s connection string is kept')
param vaultName string

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-09-01' = {
  name: 'ntf-${token}'
  location: location
  tags: tags
  // why Basic: installations, tags and per-platform sends at scale; Standard adds telemetry, scheduled pushes and
  // per-notification outcome details (PNS feedback), which this app does not use
  sku: { name: 'Basic' }
  properties: { namespaceType: 'NotificationHub' }
}

resource hub 'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-09-01' = {
  parent: namespace
  name: 'chat'
  location: location
  tags: tags
  properties: {}
}

// exactly what the app does: write and delete installations (Listen) and send (Send); no Manage
resource appPolicy 'Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules@2023-09-01' = {
  parent: hub
  name: 'app-listen-send'
  properties: { rights: ['Listen', 'Send'] }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'notification-hubs-connection-string'
  properties: {
    value: appPolicy.listKeys().primaryConnectionString
    contentType: 'Notification Hubs access policy app-listen-send (Listen, Send)'
  }
}

output namespaceName string = namespace.name
output hubName string = hub.name
// versionless: the app picks up a rotated key when App Service refreshes its Key Vault references
output connectionStringSecretUri string = '${vault.properties.vaultUri}secrets/${connectionSecret.name}'
