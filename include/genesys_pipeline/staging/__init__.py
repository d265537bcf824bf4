"""The staging area: the only owner of the staged files' layout, retention, privacy, rejects and follow-up staging."""
