"""Admin for figures (one quantity across many reports). (Placeholder: reconcile work fills this in.)"""
