// Background work. Queues are declared now, including those whose consumers come later.
param location string
param tags object
param token string

var queues = [
  // name, max deliveries, duplicate detection: sends that may be retried carry a MessageId
  { name: 'push-notifications', maxDeliveryCount: 5, duplicateDetection: true }
  { name: 'link-previews', maxDeliveryCount: 3, duplicateDetection: true }
  { name: 'translations', maxDeliveryCount: 3, duplicateDetection: true }
  { name: 'retention', maxDeliveryCount: 10, duplicateDetection: true }
  { name: 'booking-events', maxDeliveryCount: 10, duplicateDetection: true }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'sb-${token}'
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for q in queues: {
    parent: namespace
    name: q.name
    properties: {
      maxDeliveryCount: q.maxDeliveryCount
      lockDuration: 'PT1M'
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: 'P14D'
      requiresDuplicateDetection: q.duplicateDetection
      duplicateDetectionHistoryTimeWindow: 'PT10M'
      enableBatchedOperations: true
    }
  }
]

output namespaceName string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueNames array = [for q in queues: q.name]
