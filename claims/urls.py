"""The review UI. (Placeholder: the review work fills this in.)"""

from django.urls import path
from django.views.generic import TemplateView

app_name = "claims"

urlpatterns = [
    path("", TemplateView.as_view(template_name="claims/placeholder.html"), name="queue"),
]
