"""Enum values the API validates, per query level, as listed by the official SDK (fact sheet §3.2, §6)."""
from __future__ import annotations

ORDER = ("asc", "desc", "unordered")
ORDER_BY = ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd")
FILTER_TYPES = ("and", "or")
OPERATORS = ("matches", "exists", "notExists")
PREDICATE_TYPES = ("dimension", "property", "metric")
PROPERTY_TYPES = ("bool", "integer", "real", "date", "string", "uuid")
AGGREGATION_TYPES = ("termFrequency", "numericRange")

CONVERSATION_DIMENSIONS = (
    "accessAttribute", "conversationEnd", "conversationId", "conversationInitiator",
    "conversationStart", "customerParticipation", "divisionId", "externalTag",
    "mediaStatsMinConversationMos", "originatingDirection", "originatingSocialMediaPublic",
)
CONVERSATION_METRICS = (
    "nAgentDeclined", "nAlertExpired", "nBlindTransferred", "nBotInteractions", "nCallbackAttempts",
    "nCallbackOverSla", "nCallbackScheduled", "nCfcOffered", "nCobrowseSessions", "nConnected",
    "nConsult", "nConsultTransferred", "nConversations", "nError", "nFlow", "nFlowMilestone",
    "nFlowOutcome", "nFlowOutcomeFailed", "nOffered", "nOutbound", "nOutboundAbandoned",
    "nOutboundAttempted", "nOutboundConnected", "nOverSla", "nStateTransitionError", "nTakeover",
    "nTransferred", "oAudioMessageCount", "oExternalAudioMessageCount", "oExternalMediaCount",
    "oFlowMilestone", "oMediaCount", "oMessageCount", "oMessageSegmentCount", "oMessageTurn",
    "oSkillExpressionApplications", "tAbandon", "tAcd", "tActiveCallback", "tActiveCallbackComplete",
    "tAcw", "tAgentResponseTime", "tAgentVideoConnected", "tAlert", "tAnswered",
    "tAverageAgentResponseTime", "tAverageCustomerResponseTime", "tBarging", "tCallbackAbandon",
    "tCallbackConnect", "tCallbackNotReached", "tCallbackVirtualWait", "tCfcAbandon", "tCfcAcd",
    "tCfcAnswered", "tCfcFlowOut", "tCoaching", "tCoachingComplete", "tConnected", "tContacting",
    "tConversationDuration", "tDialing", "tFirstConnect", "tFirstDial", "tFirstEngagement",
    "tFirstResponse", "tFlow", "tFlowDisconnect", "tFlowExit", "tFlowOut", "tFlowOutcome", "tHandle",
    "tHeld", "tHeldComplete", "tIvr", "tMonitoring", "tMonitoringComplete", "tNotResponding", "tPark",
    "tParkComplete", "tScreenMonitoring", "tShortAbandon", "tSnippetRecord", "tTalk", "tTalkComplete",
    "tTransmitting", "tUserResponseTime", "tVoicemail",
)
SEGMENT_DIMENSIONS = (
    "addressFrom", "addressTo", "agentAssistantId", "agentOwned", "ani", "authenticated",
    "bargedParticipantId", "callbackNumber", "callbackScheduledTime", "canonicalExternalContactId",
    "cleared", "coachedParticipantId", "conference", "deliveryPushed", "deliveryStatus",
    "destinationAddress", "destinationConversationId", "detectedSpeechEnd", "detectedSpeechStart",
    "direction", "disconnectType", "dnis", "edgeId", "engagementSource", "errorCode", "exitReason",
    "extendedDeliveryStatus", "externalContactId", "externalOrganizationId", "flaggedReason", "flowId",
    "flowName", "flowOutType", "flowOutcome", "flowOutcomeId", "flowOutcomeValue", "flowVersion",
    "groupId", "journeyActionId", "journeyActionMapId", "journeyCustomerId", "journeyCustomerIdType",
    "journeyCustomerSessionId", "mediaCount", "mediaType", "messageType", "monitoredParticipantId",
    "outboundCampaignId", "outboundContactId", "outboundContactListId", "participantName",
    "protocolCallId", "provider", "purpose", "queueId", "recording", "remote", "remoteNameDisplayable",
    "requestedLanguageId", "requestedRouting", "requestedRoutingSkillId", "scoredAgentId",
    "screenMonitoredUserId", "screenRecording", "scriptId", "segmentEnd", "segmentType", "sessionDnis",
    "sipResponseCode", "skillExpressionId", "snippetRecording", "subject", "teamId",
    "transferTargetAddress", "transferTargetName", "transferType", "usedRouting", "userId",
    "wrapUpCode", "wrapUpNote",
)
SEGMENT_METRICS = ("tSegmentDuration",)
EVALUATION_DIMENSIONS = (
    "assigneeApplicable", "assigneeId", "calibrationId", "contextId", "deleted", "evaluationId",
    "evaluationStatus", "evaluatorId", "eventTime", "formId", "formName", "queueId", "released",
    "rescored", "systemSubmitted", "userId",
)
EVALUATION_METRICS = ("oTotalCriticalScore", "oTotalScore")
SURVEY_DIMENSIONS = (
    "eventTime", "queueId", "surveyCompletedDate", "surveyFormContextId", "surveyFormId", "surveyId",
    "surveyPartialResponse", "surveyPromoterScore", "surveyStatus", "surveyType", "userId",
)
SURVEY_METRICS = ("oSurveyTotalScore",)
RESOLUTION_DIMENSIONS: tuple[str, ...] = ()
RESOLUTION_METRICS = ("nNextContactAvoided",)

# filter array name -> (dimensions, metrics, properties allowed)
FILTER_LEVELS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "conversationFilters": (CONVERSATION_DIMENSIONS, CONVERSATION_METRICS, False),
    "segmentFilters": (SEGMENT_DIMENSIONS, SEGMENT_METRICS, True),
    "evaluationFilters": (EVALUATION_DIMENSIONS, EVALUATION_METRICS, False),
    "surveyFilters": (SURVEY_DIMENSIONS, SURVEY_METRICS, False),
    "resolutionFilters": (RESOLUTION_DIMENSIONS, RESOLUTION_METRICS, False),
}

AGGREGATE_METRICS = (
    "nBlindTransferred", "nBotInteractions", "nCobrowseSessions", "nConnected", "nConsult",
    "nConsultTransferred", "nConversations", "nError", "nOffered", "nOutbound", "nOutboundAbandoned",
    "nOutboundAttempted", "nOutboundConnected", "nOverSla", "nStateTransitionError", "nTransferred",
    "oExternalMediaCount", "oMediaCount", "oMessageTurn", "oServiceLevel", "oServiceTarget",
    "oCallbackServiceLevel", "tAbandon", "tAcd", "tAcw", "tAgentResponseTime", "tAlert", "tAnswered",
    "tBarging", "tCoaching", "tCoachingComplete", "tConnected", "tContacting", "tDialing",
    "tFirstConnect", "tFirstDial", "tFlowOut", "tHandle", "tHeld", "tHeldComplete", "tIvr",
    "tMonitoring", "tMonitoringComplete", "tNotResponding", "tShortAbandon", "tTalk",
    "tTalkComplete", "tUserResponseTime", "tVoicemail", "tWait",
)
AGGREGATE_GROUP_BY = (
    "addressFrom", "addressTo", "agentScore", "ani", "conversationId", "convertedFrom",
    "convertedTo", "direction", "disconnectType", "divisionId", "dnis", "edgeId", "externalTag",
    "flowInType", "flowOutType", "mediaType", "originatingDirection", "outboundCampaignId",
    "outboundContactListId", "participantName", "peerId", "provider", "purpose", "queueId",
    "requestedLanguageId", "requestedRouting", "requestedRoutingSkillId", "roomId", "sessionDnis",
    "sessionId", "teamId", "usedRouting", "userId", "wrapUpCode",
)
AGGREGATE_QUERY_TYPES = ("groupBy", "topN", "bottomN")

# The aggregates query's single ``filter`` object: its dimensions are the groupBy dimensions.
AGGREGATE_FILTER = "aggregateFilter"
PREDICATE_LEVELS = {
    **FILTER_LEVELS,
    AGGREGATE_FILTER: (tuple(sorted(set(AGGREGATE_GROUP_BY) | set(SEGMENT_DIMENSIONS))), AGGREGATE_METRICS, False),
}
