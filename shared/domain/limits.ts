/** Limits every edge enforces. Changing one is a contract change: document it in the README. */
export const LIMITS = {
  messageContentChars: 4000,
  requestBodyBytes: 100 * 1024,
  hubMessageBytes: 100 * 1024,
  titleChars: 200,
  descriptionChars: 500,
  urlChars: 2000,
  previewChars: 200,
  participantsPerConversation: 1000,
  participantsPerRequest: 100,
  mentionsPerMessage: 50,
  attachmentsPerMessage: 10,
  idChars: 128,
  reactionChars: 32,
  pageSizeMax: 100,
  messagesPerPageMax: 200,
  searchResultsMax: 100,
  /** Free-form JSON objects (conversation settings, notification data). */
  jsonDepth: 8,
  jsonBytes: 8 * 1024,
  reactionsPerMessage: 50,
  /** Conversations one forward may copy a message into. */
  forwardTargetsMax: 10,
} as const;
