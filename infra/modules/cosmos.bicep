// Cosmos DB (NoSQL): the same containers, partition keys, TTL and indexes as shared/adapters/cosmos/cosmos-setup.ts
// (a test compares them). Local auth is off: the app uses its managed identity with a data-plane role.
param location string
param tags object
param token string
@allowed(['serverless', 'provisioned'])
param capacityMode string
@description('Provisioned mode: autoscale maximum RU/s, shared by the containers of the database')
param autoscaleMaxThroughput int

var databaseName = 'chat'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: 'cosmos-${token}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    capabilities: capacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous7Days' } }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    // why: serverless has no throughput setting; provisioned mode shares autoscale RU across the containers
    options: capacityMode == 'serverless' ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource conversations 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'conversations'
  properties: {
    resource: {
      id: 'conversations'
      partitionKey: { paths: ['/conversationId'], kind: 'Hash' }
      // TTL on; only messages carry their own ttl (retention by conversation category)
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/*' }]
        excludedPaths: [
          { path: '/"_etag"/?' }
          { path: '/attachments/*' }
          { path: '/reactions/*' }
          { path: '/editHistory/*' }
          { path: '/hiddenFor/*' }
          { path: '/mentions/*' }
          { path: '/location/*' }
          { path: '/participants/*' }
          { path: '/settings/*' }
          { path: '/lastMessage/*' }
        ]
        compositeIndexes: [
          [
            { path: '/createdAt', order: 'descending' }
            { path: '/seq', order: 'descending' }
          ]
        ]
      }
    }
  }
}

resource memberships 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'memberships'
  properties: {
    resource: {
      id: 'memberships'
      partitionKey: { paths: ['/userId'], kind: 'Hash' }
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/*' }]
        excludedPaths: [{ path: '/"_etag"/?' }, { path: '/draft/*' }]
        // the inbox query: pinned first, newest activity first, stable pages
        compositeIndexes: [
          [
            { path: '/pinned', order: 'descending' }
            { path: '/lastActivityAt', order: 'descending' }
            { path: '/conversationId', order: 'ascending' }
          ]
        ]
      }
    }
  }
}

resource users 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'users'
  properties: {
    resource: {
      id: 'users'
      partitionKey: { paths: ['/userId'], kind: 'Hash' }
      // profiles never expire; notifications carry a 30-day ttl
      defaultTtl: -1
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/*' }]
        excludedPaths: [{ path: '/"_etag"/?' }, { path: '/blocked/*' }]
      }
    }
  }
}

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = databaseName
// the COSMOS_*_CONTAINER settings take their values from here
output containers object = {
  conversations: conversations.name
  memberships: memberships.name
  users: users.name
}
