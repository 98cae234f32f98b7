"""The REST API. (Placeholder: the API work fills this in.)"""

urlpatterns: list = []
