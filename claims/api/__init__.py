"""The DRF API: views (with its URLs), serializers, filters, pagination, ClaimReview, feeds and
figures."""
