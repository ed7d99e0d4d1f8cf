-- Removing a deleted direct status from every participant's conversation
-- (AccountConversation.remove_status) looks rows up by thread.
CREATE INDEX account_conversations_conversation ON account_conversations (conversation_id);
