// The explicit lists the infra tests work from. Adding a name here is a decision: say why next to it.

/** Settings of the schema that only make sense on a developer machine: never deployed. */
export const LOCAL_ONLY = new Set([
  'AUTH_DEV_SECRET',
  'COSMOS_KEY',
  'COSMOS_ALLOW_SELF_SIGNED',
  'AzureSignalRConnectionString',
  // the local broker's folder (npm start); Azure uses Service Bus
  'LOCAL_QUEUE_DIR',
  // the local key-encryption key (npm start); Azure uses the Key Vault key of CONTENT_KEK_ID
  'CONTENT_KEY_FILE',
  // Azurite's connection string (npm start sets it); Azure uses ATTACHMENTS_BLOB_ENDPOINT with the identity
  'ATTACHMENTS_STORAGE_CONNECTION_STRING',
  // a local ClamAV; Azure scans with Defender for Storage (ATTACHMENTS_DEFENDER_SCAN)
  'CLAMD_URL',
  // Azure reaches the Translator with the managed identity (translator.bicep turns keys off)
  'TRANSLATOR_KEY',
]);
/** Settings Azure sets by itself (the test treats them as platform-provided; the Bicep must not set them). */
export const PLATFORM_PROVIDED = new Set(['WEBSITE_SITE_NAME']);
/** Settings the Bicep produces beyond the schema: the Functions platform's, and those of consumers still to come. */
export const PLATFORM_AND_FUTURE = new Set([
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsSecretStorageType',
  'AzureWebJobsSecretStorageKeyVaultUri',
  'AzureWebJobsSecretStorageKeyVaultClientId',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AZURE_CLIENT_ID',
  'AzureSignalRConnectionString__credential',
  'AzureSignalRConnectionString__clientId',
  'ServiceBusConnection__credential',
  'ServiceBusConnection__clientId',
]);
/**
 * Settings whose value is a secret: each must be a Key Vault reference. Redis uses Entra ID (REDIS_AUTH=entra); the
 * Notification Hubs SDK has no Entra ID auth, so its access policy connection string is the one secret.
 */
export const KEY_VAULT_REFERENCED: string[] = ['NOTIFICATION_HUBS_CONNECTION_STRING'];

export const REQUIRED_QUEUES = [
  'message-events',
  'push-notifications',
  'link-previews',
  'translations',
  'retention',
  'booking-events',
];

/** Each principal's built-in roles, with the resource type each is scoped to: exactly these, nothing broader. */
export const EXPECTED_GRANTS: Record<string, [role: string, scopeType: string][]> = {
  appPrincipalId: [
    ['Storage Blob Data Owner', 'Microsoft.Storage/storageAccounts'],
    ['Storage Queue Data Contributor', 'Microsoft.Storage/storageAccounts'],
    ['Storage Table Data Contributor', 'Microsoft.Storage/storageAccounts'],
    // the attachments container: blobs and their index tags (Defender's verdict), nothing else of the account
    ['Storage Blob Data Owner', 'Microsoft.Storage/storageAccounts/blobServices/containers'],
    ['Storage Blob Delegator', 'Microsoft.Storage/storageAccounts'],
    ['Azure Service Bus Data Sender', 'Microsoft.ServiceBus/namespaces/queues'],
    ['Azure Service Bus Data Receiver', 'Microsoft.ServiceBus/namespaces/queues'],
    ['SignalR App Server', 'Microsoft.SignalRService/signalR'],
    ['SignalR REST API Owner', 'Microsoft.SignalRService/signalR'],
    ['Key Vault Secrets Officer', 'Microsoft.KeyVault/vaults'],
    ['Monitoring Metrics Publisher', 'Microsoft.Insights/components'],
    // wrap/unwrap with the content key-encryption key only (content-keys.bicep)
    ['Key Vault Crypto User', 'Microsoft.KeyVault/vaults/keys'],
    // translate and detect on the optional Translator (deployTranslator)
    ['Cognitive Services User', 'Microsoft.CognitiveServices/accounts'],
  ],
  signalRPrincipalId: [['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets']],
  deployerPrincipalId: [['Key Vault Secrets User', 'Microsoft.KeyVault/vaults/secrets']],
};
