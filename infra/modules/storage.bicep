// Two accounts: the Functions host's (deployment package, leases, timers) and the attachments account, so user
// content never shares keys, lifecycle or firewall with the runtime.
param location string
param tags object
param token string
param corsAllowedOrigins array

var commonProperties = {
  minimumTlsVersion: 'TLS1_2'
  supportsHttpsTrafficOnly: true
  allowBlobPublicAccess: false
  // why: everything uses managed identity; no account keys anywhere
  allowSharedKeyAccess: false
  defaultToOAuthAuthentication: true
}

resource host 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: commonProperties
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: host
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobs
  name: 'deployment-package'
  properties: { publicAccess: 'None' }
}

resource attachments 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'statt${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: commonProperties
}

var uploadCors = [
  {
    // why: clients upload with short-lived user-delegation SAS URLs straight from the browser
    allowedOrigins: corsAllowedOrigins
    allowedMethods: ['GET', 'PUT', 'HEAD']
    allowedHeaders: ['*']
    exposedHeaders: ['etag']
    maxAgeInSeconds: 3600
  }
]

resource attachmentBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: attachments
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    // no browser origins, no CORS rule (a rule needs at least one origin)
    cors: { corsRules: empty(corsAllowedOrigins) ? [] : uploadCors }
  }
}

resource attachmentsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: attachmentBlobs
  name: 'attachments'
  properties: { publicAccess: 'None' }
}

// Microsoft Defender for Storage on the attachments account: every upload is scanned for malware and the verdict
// written into the blob index tag "Malware Scanning scan result" ("No threats found" / "Malicious"), which the app
// reads before it serves or keeps an upload (ATTACHMENTS_DEFENDER_SCAN).
resource attachmentsDefender 'Microsoft.Security/defenderForStorageSettings@2022-12-01-preview' = {
  name: 'current'
  scope: attachments
  properties: {
    isEnabled: true
    overrideSubscriptionLevelSettings: true
    malwareScanning: { onUpload: { isEnabled: true, capGBPerMonth: 5000 } }
    sensitiveDataDiscovery: { isEnabled: false }
  }
}

output hostAccountName string = host.name
output deploymentContainerUrl string = '${host.properties.primaryEndpoints.blob}${deploymentContainer.name}'
output attachmentsAccountName string = attachments.name
output attachmentsAccountUrl string = attachments.properties.primaryEndpoints.blob
output attachmentsContainer string = attachmentsContainer.name
