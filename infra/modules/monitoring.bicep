param location string
param tags object
param token string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    // why: the host sends with Entra auth (APPLICATIONINSIGHTS_AUTHENTICATION_STRING + Monitoring Metrics Publisher),
    // but the app's own custom events go to /v2/track with the connection string's key, which needs local auth on
    DisableLocalAuth: false
  }
}

output appInsightsName string = appInsights.name
output appInsightsConnectionString string = appInsights.properties.ConnectionString
