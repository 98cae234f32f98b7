"""Editor admin. (Placeholder: the review work fills this in.)"""
