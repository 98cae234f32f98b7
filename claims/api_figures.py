"""API for figures. (Placeholder: the reconcile work fills this in.)"""

from rest_framework import serializers, viewsets

from claims.models import Figure


class FigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Figure
        fields = ["id", "label", "kind", "outcome", "subject_kind", "place", "event"]


class FigureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FigureSerializer

    def get_queryset(self):
        return Figure.objects.order_by("-id")
