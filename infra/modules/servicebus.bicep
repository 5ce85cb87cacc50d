// Background work. All queues are declared now, including those whose consumers come later.
// Standard tier: duplicate detection and scheduled messages need it (Basic has neither).
param location string
param tags object
param token string

// One line per queue, with the reason for each choice:
// - maxDeliveryCount: after that many failed locks the message goes to the dead-letter queue (poison messages).
// - ttl: a message older than this is dead-lettered (deadLetteringOnMessageExpiration), never silently dropped.
// - lock: how long a handler holds the message before another instance may take it.
// - duplicateDetection: where a producer may retry a send with the same MessageId and a duplicate would be visible
//   (a second push, a second sweep, a re-delivered booking event). It cannot be switched after creation.
// - appSends: the app's identity gets Data Sender on the queue (Data Receiver on all); booking-events is produced
//   by the booking system, the app only consumes it.
var queues = [
  // message-events: every send's follow-up (inbox fan-out, mentions, hand-off to push/previews/translations). 10
  // deliveries: each step is idempotent and Cosmos 429s on a big fan-out need several tries to clear; 1 min lock: a
  // fan-out takes seconds and the host renews the lock; 7 days TTL: an old event still fixes unread counts and
  // mentions, and an expired one is dead-lettered, not lost; duplicate detection: the send path and the outbox
  // sweep may both enqueue the same message's event (MessageId = the message id)
  { name: 'message-events', maxDeliveryCount: 10, ttl: 'P7D', lock: 'PT1M', duplicateDetection: true, appSends: true }
  { name: 'push-notifications', maxDeliveryCount: 5, ttl: 'P1D', lock: 'PT1M', duplicateDetection: true, appSends: true }
  // link-previews / translations: 3 deliveries (a page or the Translator failing three times is not worth more; the
  // work is a nicety), 1 day TTL (a preview of yesterday's message is no news), 1 min lock (seconds of work: 3 s per
  // page, 5 s of Translator retries). Duplicate detection on translations only: a redelivered message-events job
  // enqueues the same ids, and a second OnMessageTranslated would show; a second link-previews job finds the
  // previews stored and pushes the same OnMessageUpdated again, which changes nothing on a client
  { name: 'link-previews', maxDeliveryCount: 3, ttl: 'P1D', lock: 'PT1M', duplicateDetection: false, appSends: true }
  { name: 'translations', maxDeliveryCount: 3, ttl: 'P1D', lock: 'PT1M', duplicateDetection: true, appSends: true }
  { name: 'retention', maxDeliveryCount: 10, ttl: 'P7D', lock: 'PT5M', duplicateDetection: true, appSends: true }
  { name: 'booking-events', maxDeliveryCount: 10, ttl: 'P14D', lock: 'PT1M', duplicateDetection: true, appSends: false }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: 'sb-${token}'
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    // why: managed identity only (Data Sender / Data Receiver roles); no SAS keys to leak or rotate
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for q in queues: {
    parent: namespace
    name: q.name
    properties: {
      maxDeliveryCount: q.maxDeliveryCount
      lockDuration: q.lock
      defaultMessageTimeToLive: q.ttl
      deadLetteringOnMessageExpiration: true
      requiresDuplicateDetection: q.duplicateDetection
      duplicateDetectionHistoryTimeWindow: 'PT10M'
      enableBatchedOperations: true
      maxSizeInMegabytes: 1024
    }
  }
]

output namespaceName string = namespace.name
// host name of https://<ns>.servicebus.windows.net:443/ (any cloud)
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
output queueNames array = [for q in queues: q.name]
output sendQueueNames array = [for q in filter(queues, x => x.appSends): q.name]
