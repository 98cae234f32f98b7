"""Claim review. (Placeholder: the review work replaces this module.)"""

from __future__ import annotations


class ReviewError(Exception):
    """A review that cannot be applied as asked (bad status, missing note or evidence)."""


class ReviewConflict(ReviewError):
    """The claim changed since the editor loaded it."""


def claim_review(*, claim, status, by, note="", evidence=(), expected_version=None):
    raise NotImplementedError


def evidence_add(*, claim, url, by, title="", stance="supports", note=""):
    raise NotImplementedError
