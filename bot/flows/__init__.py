"""Steps that need Slack and the database together: Slack is asked first, with no transaction open, then one service call writes."""
