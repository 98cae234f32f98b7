"""Admin for articles, claims, actors, outlets, evidence and the audit trail.
(Placeholder: the review work fills this in.)"""
