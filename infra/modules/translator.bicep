// Azure AI Translator for message translation (optional: main.bicep deployTranslator). Identity only: local auth
// (keys) is off, the app's identity holds Cognitive Services User on this one account and calls the global endpoint
// with a token plus the Ocp-Apim-ResourceId and Ocp-Apim-Subscription-Region headers (shared/adapters/translator).
param location string
param tags object
param token string
@allowed(['F0', 'S1'])
@description('F0: 2M characters a month free, one per subscription; S1: pay as you go')
param sku string
param appPrincipalId string

// Built-in role definition ids (the same in every tenant)
var roles = {
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908'
}

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: 'trl-${token}'
  location: location
  tags: tags
  kind: 'TextTranslation'
  sku: { name: sku }
  properties: {
    // why: Entra ID tokens need a custom subdomain; keys are off so only the identity can call it
    customSubDomainName: 'trl-${token}'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// Translate and detect (Microsoft.CognitiveServices/accounts/TextTranslation/*/action): data plane only
resource translatorUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, roles.cognitiveServicesUser)
  scope: account
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesUser) }
}

// why: the global endpoint serves every region; the headers name this resource and its region
output endpoint string = 'https://api.cognitive.microsofttranslator.com'
output resourceId string = account.id
output region string = account.location
