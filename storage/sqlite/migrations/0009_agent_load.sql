-- An agent's load: the conversations they hold, counted inside the write
-- that gives them one more (a claim or transfer checks their capacity).
CREATE INDEX conversations_agent_load ON conversations (agent) WHERE status = 'agent';
